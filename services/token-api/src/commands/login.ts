import type { LoginRequest, TokenPairResponse } from '@tessera/contracts';
import { AppError, badRequest, forbidden, logSecurityEvent } from '@tessera/platform';
import { accountPolicy, idsAt, ipPolicy, lifetimes, type TokenApiDeps } from '../deps.js';
import { decideIssueTokenPair } from '../domain/issue-session.js';
import type { ClientContext } from '../domain/model.js';
import { grantScopes } from '../domain/scopes.js';
import { checkThrottle } from '../domain/throttle.js';
import { clearThrottle, countFailure, readThrottle } from '../repo/throttle.js';
import { lockUser, toUserState, findUserByEmail, updatePasswordHash } from '../repo/users.js';
import { sha256Hex } from '../secrets/tokens.js';
import { storePair } from './issue-pair.js';
import { decideSecondFactor, mfaChallenge, rememberDevice } from '../mfa/login-gate.js';
import { mfaTrx } from '../mfa/tables.js';

/** The one answer for a wrong password and an unknown email alike. */
export const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'Invalid email or password');

export const emailThrottleKey = (email: string) => `email:${sha256Hex(email)}`;
export const ipThrottleKey = (ip: string) => `ip:${ip}`;

export function tooManyAttempts(code: 'account_locked' | 'rate_limited', retryAfterSeconds: number): AppError {
  const message = code === 'account_locked' ? 'Too many failed attempts; try again later' : 'Too many failed attempts from this address; try again later';
  return new AppError(429, code, message, { headers: { 'Retry-After': String(retryAfterSeconds) } });
}

/**
 * POST /api/v1/auth/login. Throttles are checked before any hashing; an unknown email is
 * verified against a dummy hash and counted like a known one, so neither the answer, its
 * timing, nor a later lockout tells whether the account exists. For an enrolled user on an
 * unfamiliar device or country (src/mfa/login-gate.ts) a right password answers 401
 * mfa_required with a ticket instead, and POST /api/v1/auth/login/mfa completes the login.
 */
export async function login(deps: TokenApiDeps, input: LoginRequest, client: ClientContext, country: string | null = null): Promise<TokenPairResponse> {
  const { db, config, logger, metrics, passwords } = deps;
  const emailKey = emailThrottleKey(input.email);
  const ipKey = ipThrottleKey(client.ip);
  const securityFields = { client_ip: client.ip, email_sha256: emailKey.slice(6, 22) };

  const throttles = await readThrottle(db, [emailKey, ipKey]);
  const checkedAt = deps.clock();
  for (const [key, code, reason] of [[ipKey, 'rate_limited', 'ip_throttled'], [emailKey, 'account_locked', 'account_locked']] as const) {
    const check = checkThrottle(throttles.get(key) ?? null, checkedAt);
    if (check.blocked) {
      metrics.loginFailure.inc({ reason });
      logSecurityEvent(logger, 'auth_failure', { ...securityFields, reason });
      throw tooManyAttempts(code, check.retryAfterSeconds);
    }
  }

  const user = await findUserByEmail(db, input.email);
  const valid = await passwords.verify(user?.password_hash ?? null, input.password);
  if (!valid || !user) {
    const failedAt = deps.clock();
    const [account] = await Promise.all([countFailure(db, emailKey, failedAt, accountPolicy(config)), countFailure(db, ipKey, failedAt, ipPolicy(config))]);
    metrics.loginFailure.inc({ reason: 'invalid_credentials' });
    logSecurityEvent(logger, 'auth_failure', { ...securityFields, reason: 'invalid_credentials', ...(user ? { user_id: user.id } : {}) });
    if (account.lockedNow) {
      logSecurityEvent(logger, 'account_lockout', { ...securityFields, failures: account.state.failures, locked_until: new Date(account.state.lockedUntil!).toISOString(), ...(user ? { user_id: user.id } : {}) });
    }
    throw invalidCredentials();
  }

  // The second factor, when needed, completes the login: until then the failure count stays, so
  // a right password cannot reset the count of wrong codes.
  const step = await decideSecondFactor(deps, user.id, client, country);
  if (!step.secondFactor && throttles.has(emailKey)) await clearThrottle(db, emailKey);
  if (passwords.needsRehash(user.password_hash)) await updatePasswordHash(db, user.id, await passwords.hash(input.password), new Date(deps.clock()));

  const grant = grantScopes(toUserState(user).role, input.scopes);
  if (!grant.ok) {
    metrics.loginFailure.inc({ reason: 'scope_denied' });
    if (grant.reason === 'empty_request') throw badRequest('Invalid request body', [{ path: 'scopes', message: 'must name at least one scope' }]);
    throw forbidden('None of the requested scopes is allowed for this account', 'insufficient_scope');
  }
  if (step.secondFactor) throw await mfaChallenge(deps, user.id, client, country, grant.scopes);

  const { response, entries } = await db.transaction().execute(async (trx) => {
    const locked = await lockUser(trx, user.id);
    if (!locked) throw invalidCredentials();
    const now = deps.clock();
    const state = toUserState(locked);
    const nextId = idsAt(now);
    const auth = { amr: ['pwd' as const], authTime: now };
    const pair = decideIssueTokenPair({ user: state, scopes: grant.scopes, familyId: nextId(), parentTokenId: null, client, lifetimes: lifetimes(config), now, actor: { kind: 'user', id: user.id }, nextId, auth });
    await rememberDevice(deps, mfaTrx(trx), user.id, client, country, now);
    return storePair(deps, trx, pair, { now });
  });
  deps.afterCommit(entries);
  metrics.loginSuccess.inc();
  logSecurityEvent(logger, 'auth_success', { ...securityFields, user_id: user.id, scope: response.scope });
  return response;
}
