/**
 * A rolling-window limit for one token (DESIGN §6): at most `limit` accepted calls in any
 * `windowMs`. It keeps the instants of the accepted calls still inside the window in a ring, so
 * the check is exact (not the two-fixed-windows estimate) and amortised O(1): calls that have
 * left the window are dropped from the front as time moves on. The ring starts at 8 slots and
 * doubles only while more calls are inside the window, up to `limit`.
 */
export class RollingWindow {
  // A plain array of doubles (V8 keeps it unboxed, in the heap): cheaper to allocate per token
  // than a Float64Array with its separate backing store.
  private ring: number[];
  /** Index of the oldest call still in the window. */
  private head = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.ring = new Array<number>(Math.min(limit, 8)).fill(0);
  }

  /** Records a call at `now` if allowed; otherwise returns how long until one is. */
  take(now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const ring = this.ring;
    while (this.count > 0 && ring[this.head]! + this.windowMs <= now) {
      this.head = (this.head + 1) % ring.length;
      this.count--;
    }
    if (this.count === this.limit) return { allowed: false, retryAfterMs: ring[this.head]! + this.windowMs - now };
    if (this.count === ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = now;
    this.count++;
    return ALLOWED;
  }

  /** Slots currently allocated (memory held for this token). */
  get capacity(): number {
    return this.ring.length;
  }

  private grow(): void {
    const next = new Array<number>(Math.min(this.limit, this.ring.length * 2)).fill(0);
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) % this.ring.length]!;
    this.ring = next;
    this.head = 0;
  }
}

const ALLOWED = { allowed: true } as const;
