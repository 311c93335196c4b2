import type { PasswordChangeRequest } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { accountPolicy, idsAt, type TokenApiDeps } from '../deps.js';
import { decideChangePassword } from '../domain/change-password.js';
import { REVOCATION_REASON } from '../domain/model.js';
import { checkThrottle } from '../domain/throttle.js';
import { appendEvents } from '../outbox/append.js';
import { countFailure, readThrottle } from '../repo/throttle.js';
import { revokeUserTokensBefore } from '../repo/tokens.js';
import { findUserById, lockUser, setPasswordAndCutoff } from '../repo/users.js';
import { emailThrottleKey, invalidCredentials } from './login.js';
import type { Principal } from './principal.js';

/**
 * POST /api/v1/auth/password. A wrong current password counts toward the account lockout, so a
 * stolen access token cannot be used to guess the password. On success every token issued before
 * `notBefore` dies: refresh tokens here, access tokens through PasswordChanged downstream.
 */
export async function changePassword(deps: TokenApiDeps, principal: Principal, input: PasswordChangeRequest): Promise<{ notBefore: number }> {
  const { db, passwords, config, logger } = deps;
  const emailKey = emailThrottleKey(principal.email);
  const check = checkThrottle((await readThrottle(db, [emailKey])).get(emailKey) ?? null, deps.clock());
  if (check.blocked) throw new AppError(429, 'account_locked', 'Too many failed attempts; try again later', { headers: { 'Retry-After': String(check.retryAfterSeconds) } });

  const user = await findUserById(db, principal.userId);
  if (!user || !(await passwords.verify(user.password_hash, input.currentPassword))) {
    const outcome = await countFailure(db, emailKey, deps.clock(), accountPolicy(config));
    logSecurityEvent(logger, 'auth_failure', { user_id: principal.userId, reason: 'invalid_current_password' });
    if (outcome.lockedNow) logSecurityEvent(logger, 'account_lockout', { user_id: principal.userId, failures: outcome.state.failures });
    throw invalidCredentials();
  }
  const newHash = await passwords.hash(input.newPassword);

  const { entries, notBefore, revoked } = await db.transaction().execute(async (trx) => {
    await lockUser(trx, principal.userId);
    const now = deps.clock();
    const outcome = decideChangePassword({ userId: principal.userId, actor: { kind: 'user', id: principal.userId }, now, nextId: idsAt(now) });
    await setPasswordAndCutoff(trx, principal.userId, newHash, new Date(now), new Date(outcome.notBefore));
    const revoked = await revokeUserTokensBefore(trx, principal.userId, new Date(outcome.notBefore), REVOCATION_REASON.passwordChanged, new Date(now));
    return { entries: await appendEvents(trx, deps.topology, outcome.events), notBefore: outcome.notBefore, revoked };
  });
  deps.afterCommit(entries);
  logSecurityEvent(logger, 'password_changed', { user_id: principal.userId, not_before: notBefore, revoked_count: revoked });
  return { notBefore };
}
