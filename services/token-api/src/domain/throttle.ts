// Failed-login counters: one per email (account lockout) and one per client IP (throttling).
// Keyed by email whether or not the account exists, so a lockout reveals nothing.

export interface ThrottleState {
  failures: number;
  windowStartedAt: number;
  lockedUntil: number | null;
}

export interface ThrottlePolicy {
  /** Failures within `windowMs` that lock the key. */
  maxFailures: number;
  windowMs: number;
  /** How long the key stays locked once it trips. */
  lockoutMs: number;
}

export type ThrottleCheck = { blocked: false } | { blocked: true; retryAfterSeconds: number; until: number };

/** Whether an attempt may go ahead at all (checked before any password is hashed). */
export function checkThrottle(state: ThrottleState | null, now: number): ThrottleCheck {
  if (state?.lockedUntil == null || state.lockedUntil <= now) return { blocked: false };
  return { blocked: true, until: state.lockedUntil, retryAfterSeconds: Math.max(1, Math.ceil((state.lockedUntil - now) / 1000)) };
}

export interface FailureOutcome {
  state: ThrottleState;
  /** True only for the failure that trips the lock (one security event per lockout). */
  lockedNow: boolean;
}

/** Counts one failure; a window that has passed, or a lock that has expired, starts afresh. */
export function recordFailure(state: ThrottleState | null, now: number, policy: ThrottlePolicy): FailureOutcome {
  const lockExpired = state?.lockedUntil != null && state.lockedUntil <= now;
  const fresh = state === null || lockExpired || now - state.windowStartedAt >= policy.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAt = fresh ? now : state.windowStartedAt;
  const alreadyLocked = !fresh && state.lockedUntil != null && state.lockedUntil > now;
  if (alreadyLocked) return { state: { failures, windowStartedAt, lockedUntil: state.lockedUntil }, lockedNow: false };
  const trips = failures >= policy.maxFailures;
  return { state: { failures, windowStartedAt, lockedUntil: trips ? now + policy.lockoutMs : null }, lockedNow: trips };
}
