import type { MfaStepUpRequest, StepUpResponse } from '@tessera/contracts';
import { formatScopes } from '@tessera/contracts';
import { logSecurityEvent } from '@tessera/platform';
import type { Principal } from '../../commands/principal.js';
import { idsAt, lifetimes, type TokenApiDeps } from '../../deps.js';
import { tokenIssued } from '../../domain/events.js';
import type { ClientContext, NewToken } from '../../domain/model.js';
import { writeIssue } from '../../repo/issue-write.js';
import { lockUser, toUserState } from '../../repo/users.js';
import { sha256Hex } from '../../secrets/tokens.js';
import { signAccessToken } from '../../signing/access-token.js';
import { blockedNow, codeRefusalError, countCodeFailure, presentCode } from '../second-factor.js';
import { mfaTrx } from '../tables.js';

/**
 * POST /api/v1/auth/mfa/step-up: a fresh second factor for a call that requires a recent one
 * (requireRecentOtp). The answer is an access token of the caller's own session (same `sid`,
 * scopes and device binding) whose amr holds `otp` and auth_time is now; the session's refresh
 * token is unchanged, so the elevation ends with that access token.
 */
export async function stepUp(deps: TokenApiDeps, principal: Principal, input: MfaStepUpRequest, client: ClientContext): Promise<StepUpResponse> {
  const attempt = { userId: principal.userId, email: principal.email, code: input.code, client };
  const result = await deps.db.transaction().execute(async (base) => {
    const userRow = await lockUser(base, principal.userId);
    if (!userRow) throw new TypeError('authenticated user has no row');
    const trx = mfaTrx(base);
    const now = deps.clock();
    const blocked = await blockedNow(base, attempt, now);
    if (blocked) return { kind: 'blocked' as const, blocked };
    const nextId = idsAt(now);
    const actor = { kind: 'user' as const, id: principal.userId };
    const outcome = await presentCode(deps, trx, { ...attempt, context: { userId: principal.userId, actor, client, now, nextId } });
    if (!outcome.ok) {
      if (outcome.reason === 'not_enrolled') return { kind: 'not_enrolled' as const };
      return { kind: 'refused' as const, reason: outcome.reason, ...(await countCodeFailure(deps, base, attempt, now)) };
    }
    const user = toUserState(userRow);
    const access: NewToken = {
      id: nextId(),
      type: 'ACCESS',
      userId: user.id,
      email: user.email,
      familyId: principal.familyId,
      parentTokenId: null,
      refreshTokenId: null,
      scopes: principal.scopes,
      issuedAt: now,
      expiresAt: now + lifetimes(deps.config).accessTtlMs,
      client,
      allowedCountries: user.allowedCountries && user.allowedCountries.length > 0 ? user.allowedCountries : null,
      // Every session began with a password; the code is the step-up.
      auth: { amr: ['pwd', 'otp'], authTime: now },
    };
    const jwt = await signAccessToken(deps.keys.current(), access, { issuer: deps.config.JWT_ISSUER, audience: deps.config.JWT_AUDIENCE });
    const entries = await writeIssue(base, deps.topology, {
      tokens: [access],
      hashes: new Map([[access.id, sha256Hex(jwt)]]),
      events: [...outcome.events, tokenIssued(access, actor, nextId)],
      now: new Date(now),
    });
    return { kind: 'issued' as const, jwt, access, method: outcome.method, entries };
  });
  if (result.kind !== 'issued') throw codeRefusalError(deps, attempt, result, 'step_up');
  deps.afterCommit(result.entries);
  logSecurityEvent(deps.logger, 'mfa_step_up', { user_id: principal.userId, client_ip: client.ip, family_id: principal.familyId, mfa_method: result.method });
  return {
    access_token: result.jwt,
    token_type: 'Bearer',
    expires_in: Math.round((result.access.expiresAt - result.access.issuedAt) / 1000),
    scope: formatScopes(result.access.scopes),
  };
}
