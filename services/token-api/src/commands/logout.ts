import { logSecurityEvent } from '@tessera/platform';
import { idsAt, type TokenApiDeps } from '../deps.js';
import { decideEndSession } from '../domain/end-session.js';
import { REVOCATION_REASON } from '../domain/model.js';
import { appendEvents } from '../outbox/append.js';
import { liveFamilyMembers, revokeTokens, toTokenState } from '../repo/tokens.js';
import { lockUser } from '../repo/users.js';
import type { Principal } from './principal.js';

/** POST /api/v1/auth/logout: ends the caller's session (its refresh family and access tokens). */
export async function logout(deps: TokenApiDeps, principal: Principal): Promise<number> {
  const { entries, revoked } = await deps.db.transaction().execute(async (trx) => {
    await lockUser(trx, principal.userId);
    const now = deps.clock();
    const live = (await liveFamilyMembers(trx, principal.familyId)).map(toTokenState);
    const outcome = decideEndSession({ familyId: principal.familyId, reason: REVOCATION_REASON.logout, actor: { kind: 'user', id: principal.userId }, now, nextId: idsAt(now) }, live);
    await revokeTokens(trx, outcome.revoked.map((t) => t.id), REVOCATION_REASON.logout, new Date(now));
    return { entries: await appendEvents(trx, deps.topology, outcome.events), revoked: outcome.revoked.length };
  });
  deps.afterCommit(entries);
  logSecurityEvent(deps.logger, 'logout', { user_id: principal.userId, family_id: principal.familyId, revoked_count: revoked });
  return revoked;
}
