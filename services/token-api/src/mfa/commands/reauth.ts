import { logSecurityEvent } from '@tessera/platform';
import { accountPolicy, type TokenApiDeps } from '../../deps.js';
import { checkThrottle } from '../../domain/throttle.js';
import { emailThrottleKey, invalidCredentials, tooManyAttempts } from '../../commands/login.js';
import type { Principal } from '../../commands/principal.js';
import { countFailure, readThrottle } from '../../repo/throttle.js';
import { findUserById } from '../../repo/users.js';

/**
 * The password again, for changes to the account's factors: a stolen access token alone cannot
 * enrol an attacker's authenticator or remove the user's. A wrong password counts toward the
 * lockout, as in the password change.
 */
export async function recheckPassword(deps: TokenApiDeps, principal: Principal, password: string, action: string): Promise<void> {
  const { db, passwords, config, logger } = deps;
  const emailKey = emailThrottleKey(principal.email);
  const check = checkThrottle((await readThrottle(db, [emailKey])).get(emailKey) ?? null, deps.clock());
  if (check.blocked) throw tooManyAttempts('account_locked', check.retryAfterSeconds);
  const user = await findUserById(db, principal.userId);
  if (!user || !(await passwords.verify(user.password_hash, password))) {
    const outcome = await countFailure(db, emailKey, deps.clock(), accountPolicy(config));
    logSecurityEvent(logger, 'auth_failure', { user_id: principal.userId, reason: 'invalid_current_password', action });
    if (outcome.lockedNow) logSecurityEvent(logger, 'account_lockout', { user_id: principal.userId, failures: outcome.state.failures });
    throw invalidCredentials();
  }
}
