import type { MfaLoginRequest, TokenPairResponse } from '@tessera/contracts';
import { AppError, forbidden, logSecurityEvent } from '@tessera/platform';
import { emailThrottleKey, ipThrottleKey, tooManyAttempts } from '../../commands/login.js';
import { storePair } from '../../commands/issue-pair.js';
import { idsAt, ipPolicy, lifetimes, type TokenApiDeps } from '../../deps.js';
import { decideIssueTokenPair } from '../../domain/issue-session.js';
import type { ClientContext } from '../../domain/model.js';
import { narrowToRole } from '../../domain/scopes.js';
import { checkThrottle } from '../../domain/throttle.js';
import { clearThrottle, countFailure, readThrottle } from '../../repo/throttle.js';
import { lockUser, parseScopes, toUserState } from '../../repo/users.js';
import { constantTimeEqual } from '../../secrets/tokens.js';
import { rememberDevice } from '../login-gate.js';
import { deleteTicket, findTicket } from '../repo.js';
import { blockedError, blockedNow, countCodeFailure, presentCode, refusedCode } from '../second-factor.js';
import { mfaDb, mfaTrx } from '../tables.js';
import { mfaTicketHash } from '../tickets.js';

/** One answer for unknown, expired, used and foreign-device tickets alike. */
const invalidTicket = () => new AppError(401, 'invalid_token', 'Invalid or expired MFA ticket; log in again');

/**
 * POST /api/v1/auth/login/mfa: the second step. The ticket names the user and the device it was
 * issued to; the code is a TOTP code or a recovery code. Everything happens under the user's row
 * lock: the lockout read, the code check, the replay floor, a failure's count, and on success the
 * ticket's deletion, the new session (amr pwd+otp) and its events, in one transaction.
 */
export async function completeMfaLogin(deps: TokenApiDeps, input: MfaLoginRequest, client: ClientContext, country: string | null): Promise<TokenPairResponse> {
  const { db, config, logger, metrics } = deps;
  const ipKey = ipThrottleKey(client.ip);
  const ipCheck = checkThrottle((await readThrottle(db, [ipKey])).get(ipKey) ?? null, deps.clock());
  if (ipCheck.blocked) throw tooManyAttempts('rate_limited', ipCheck.retryAfterSeconds);

  const ticketHash = mfaTicketHash(input.mfa_ticket);
  const found = await findTicket(mfaDb(db), ticketHash);
  if (!found || found.expires_at.getTime() <= deps.clock() || !constantTimeEqual(found.fingerprint, client.fingerprint)) {
    // Tickets are 256-bit random: a miss is a stale client or a probe; it costs the address.
    await countFailure(db, ipKey, deps.clock(), ipPolicy(config));
    if (found && !constantTimeEqual(found.fingerprint, client.fingerprint)) logSecurityEvent(logger, 'device_mismatch', { user_id: found.user_id, client_ip: client.ip, where: 'mfa_ticket' });
    throw invalidTicket();
  }

  const result = await db.transaction().execute(async (base) => {
    const userRow = await lockUser(base, found.user_id);
    const trx = mfaTrx(base);
    const now = deps.clock();
    // Re-read under the lock: a concurrent completion may have used it already.
    const ticket = await findTicket(trx, ticketHash);
    if (!userRow || !ticket || ticket.expires_at.getTime() <= now) return { kind: 'invalid' as const };
    // A password change after the password step ends the ticket with every older credential.
    if (userRow.tokens_not_before && ticket.created_at < userRow.tokens_not_before) return { kind: 'invalid' as const };
    const attempt = { userId: userRow.id, email: userRow.email, code: input.code, client };
    const blocked = await blockedNow(base, attempt, now);
    if (blocked) return { kind: 'blocked' as const, blocked };
    const nextId = idsAt(now);
    const context = { userId: userRow.id, actor: { kind: 'user' as const, id: userRow.id }, client, now, nextId };
    const outcome = await presentCode(deps, trx, { ...attempt, context });
    if (!outcome.ok) {
      if (outcome.reason === 'not_enrolled') return { kind: 'invalid' as const };
      return { kind: 'refused' as const, userId: userRow.id, reason: outcome.reason, ...(await countCodeFailure(deps, base, attempt, now)) };
    }
    const user = toUserState(userRow);
    const scopes = narrowToRole(user.role, parseScopes(ticket.scopes));
    if (scopes.length === 0) return { kind: 'no_scope' as const };
    await deleteTicket(trx, ticketHash);
    await clearThrottle(base, emailThrottleKey(userRow.email));
    await rememberDevice(deps, trx, userRow.id, client, country, now);
    const pair = decideIssueTokenPair({ user, scopes, familyId: nextId(), parentTokenId: null, client, lifetimes: lifetimes(config), now, actor: context.actor, nextId, auth: { amr: ['pwd', 'otp'], authTime: now } });
    const stored = await storePair(deps, base, pair, { now, events: [...outcome.events, ...pair.events] });
    return { kind: 'issued' as const, userId: userRow.id, method: outcome.method, ...stored };
  });

  switch (result.kind) {
    case 'invalid':
      throw invalidTicket();
    case 'blocked':
      metrics.loginFailure.inc({ reason: result.blocked.code === 'account_locked' ? 'account_locked' : 'ip_throttled' });
      throw blockedError(result.blocked);
    case 'refused':
      throw refusedCode(deps, { userId: result.userId, client }, result, 'login');
    case 'no_scope':
      metrics.loginFailure.inc({ reason: 'scope_denied' });
      throw forbidden('None of the requested scopes is allowed for this account', 'insufficient_scope');
    case 'issued':
      deps.afterCommit(result.entries);
      metrics.loginSuccess.inc();
      logSecurityEvent(logger, 'auth_success', { user_id: result.userId, client_ip: client.ip, scope: result.response.scope, amr: 'pwd otp', mfa_method: result.method });
      if (result.method === 'recovery') logSecurityEvent(logger, 'recovery_code_used', { user_id: result.userId, client_ip: client.ip });
      return result.response;
    default: {
      const unreachable: never = result;
      throw new TypeError(`unhandled ${JSON.stringify(unreachable)}`);
    }
  }
}

