/**
 * A rolling-window limit for one token (DESIGN §6): at most `limit` accepted calls in any
 * `windowMs`. It keeps the instants of the last calls in a ring, so the check is exact (not the
 * two-fixed-windows estimate) and O(1). The ring starts small and doubles up to `limit` as the
 * token is used, so a token called a few times costs a few numbers whatever the limit.
 */
export class RollingWindow {
  private ring: Float64Array;
  /** Index of the oldest recorded call. */
  private head = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.ring = new Float64Array(Math.min(limit, 8));
  }

  /** Records a call at `now` if allowed; otherwise returns how long until one is. */
  take(now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    if (this.count === this.limit) {
      const oldest = this.ring[this.head]!;
      const freeAt = oldest + this.windowMs;
      if (freeAt > now) return { allowed: false, retryAfterMs: freeAt - now };
      // The oldest call left the window: overwrite it.
      this.ring[this.head] = now;
      this.head = (this.head + 1) % this.ring.length;
      return ALLOWED;
    }
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) % this.ring.length] = now;
    this.count++;
    return ALLOWED;
  }

  private grow(): void {
    const next = new Float64Array(Math.min(this.limit, this.ring.length * 2));
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) % this.ring.length]!;
    this.ring = next;
    this.head = 0;
  }
}

const ALLOWED = { allowed: true } as const;
