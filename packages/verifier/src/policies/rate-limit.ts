/**
 * A rolling-window limit for one token (DESIGN §6): at most `limit` accepted calls in any
 * `windowMs`. It keeps the instants of the last `limit` calls in a ring, so the check is exact
 * (not the two-fixed-windows estimate) and O(1), and a token's state is at most `limit` numbers.
 * Nothing is allocated until the token is first used.
 */
export class RollingWindow {
  private ring: Float64Array | null = null;
  private next = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a call at `now` if allowed; otherwise returns how long until one is. */
  take(now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    if (this.limit <= 0) return { allowed: false, retryAfterMs: this.windowMs };
    this.ring ??= new Float64Array(this.limit);
    if (this.count === this.limit) {
      // The ring is full: `next` points at the oldest of the last `limit` calls.
      const oldest = this.ring[this.next]!;
      const freeAt = oldest + this.windowMs;
      if (freeAt > now) return { allowed: false, retryAfterMs: freeAt - now };
    } else {
      this.count++;
    }
    this.ring[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    return { allowed: true };
  }
}
