import type { Actor } from '@tessera/contracts';
import { logSecurityEvent } from '@tessera/platform';
import type { Transaction } from 'kysely';
import type { TokenApiDatabase, UserRow } from '../db/schema.js';
import { idsAt, type TokenApiDeps } from '../deps.js';
import { decideRevokeToken } from '../domain/revoke-token.js';
import { appendEvents } from '../outbox/append.js';
import { liveFamilyMembers, revokeTokens, toTokenState } from '../repo/tokens.js';

export interface RevokeTokenInput {
  tokenId: string;
  reason: string;
  /** Decides, from the owner's id, whether the caller may act and as whom; null = not found. */
  actorFor: (ownerId: string) => Actor | null;
}

export type RevokeTokenResult = { found: false } | { found: true; userId: string; tokenType: 'ACCESS' | 'REFRESH'; revokedCount: number };

/** Locks the owner of a token found by id (see lockUser), in one round trip. */
async function lockOwnerOfToken(trx: Transaction<TokenApiDatabase>, tokenId: string): Promise<UserRow | undefined> {
  return trx
    .selectFrom('users')
    .selectAll()
    .where('id', '=', (eb) => eb.selectFrom('auth_tokens').select('user_id').where('id', '=', tokenId))
    .forNoKeyUpdate()
    .executeTakeFirst();
}

/**
 * DELETE /api/v1/auth/tokens/{tokenId} and POST /oauth2/revoke: TokenRevoked for an access token,
 * the whole session for a refresh token. Idempotent: a dead token answers found with 0 revoked.
 */
export async function revokeToken(deps: TokenApiDeps, input: RevokeTokenInput): Promise<RevokeTokenResult> {
  const result = await deps.db.transaction().execute(async (trx) => {
    const owner = await lockOwnerOfToken(trx, input.tokenId);
    const actor = owner ? input.actorFor(owner.id) : null;
    if (!owner || !actor) return null;
    const row = await trx.selectFrom('auth_tokens').selectAll().where('id', '=', input.tokenId).executeTakeFirstOrThrow();
    const target = toTokenState(row);
    const family = target.type === 'REFRESH' ? (await liveFamilyMembers(trx, target.familyId)).map(toTokenState) : [];
    const now = deps.clock();
    const outcome = decideRevokeToken({ reason: input.reason, actor, now, nextId: idsAt(now) }, target, family);
    await revokeTokens(trx, outcome.revoked.map((t) => t.id), input.reason, new Date(now));
    const entries = await appendEvents(trx, deps.topology, outcome.events);
    return { entries, actor, userId: owner.id, tokenType: target.type, familyId: target.familyId, revokedCount: outcome.revoked.length };
  });
  if (!result) return { found: false };
  deps.afterCommit(result.entries);
  logSecurityEvent(deps.logger, 'token_revoked', {
    user_id: result.userId,
    token_id: input.tokenId,
    token_type: result.tokenType,
    family_id: result.familyId,
    revoked_count: result.revokedCount,
    actor_kind: result.actor.kind,
    actor_id: result.actor.id,
  });
  return { found: true, userId: result.userId, tokenType: result.tokenType, revokedCount: result.revokedCount };
}
