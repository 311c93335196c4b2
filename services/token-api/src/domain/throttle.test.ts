import { describe, expect, it } from 'vitest';
import { checkThrottle, recordFailure, type ThrottlePolicy, type ThrottleState } from './throttle.js';

const policy: ThrottlePolicy = { maxFailures: 3, windowMs: 60_000, lockoutMs: 300_000 };
const t0 = 1_000_000;

function failures(times: number[]): { state: ThrottleState | null; locks: number } {
  let state: ThrottleState | null = null;
  let locks = 0;
  for (const at of times) {
    const outcome = recordFailure(state, at, policy);
    state = outcome.state;
    if (outcome.lockedNow) locks++;
  }
  return { state, locks };
}

describe('login throttle', () => {
  it('locks on the configured failure within the window, once', () => {
    const { state, locks } = failures([t0, t0 + 1, t0 + 2]);
    expect(locks).toBe(1);
    expect(state).toEqual({ failures: 3, windowStartedAt: t0, lockedUntil: t0 + 2 + policy.lockoutMs });
    expect(checkThrottle(state, t0 + 3)).toEqual({ blocked: true, until: t0 + 2 + policy.lockoutMs, retryAfterSeconds: 300 });
  });

  it('does not lock when the failures are spread beyond the window', () => {
    const { state, locks } = failures([t0, t0 + 1, t0 + 60_000]);
    expect(locks).toBe(0);
    expect(state).toEqual({ failures: 1, windowStartedAt: t0 + 60_000, lockedUntil: null });
    expect(checkThrottle(state, t0 + 60_001)).toEqual({ blocked: false });
  });

  it('keeps the lock (and raises no new lockout) while failures continue during it', () => {
    const { state, locks } = failures([t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4]);
    expect(locks).toBe(1);
    expect(state?.lockedUntil).toBe(t0 + 2 + policy.lockoutMs);
  });

  it('unlocks when the lock expires and starts counting afresh', () => {
    const locked = failures([t0, t0 + 1, t0 + 2]).state;
    const after = t0 + 2 + policy.lockoutMs;
    expect(checkThrottle(locked, after)).toEqual({ blocked: false });
    expect(recordFailure(locked, after, policy)).toEqual({ state: { failures: 1, windowStartedAt: after, lockedUntil: null }, lockedNow: false });
  });

  it('rounds Retry-After up and never below one second', () => {
    expect(checkThrottle({ failures: 3, windowStartedAt: t0, lockedUntil: t0 + 1_001 }, t0)).toMatchObject({ retryAfterSeconds: 2 });
    expect(checkThrottle({ failures: 3, windowStartedAt: t0, lockedUntil: t0 + 1 }, t0)).toMatchObject({ retryAfterSeconds: 1 });
    expect(checkThrottle(null, t0)).toEqual({ blocked: false });
  });
});
