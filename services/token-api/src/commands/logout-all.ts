import type { Actor } from '@tessera/contracts';
import { logSecurityEvent } from '@tessera/platform';
import { sql } from 'kysely';
import { idsAt, type TokenApiDeps } from '../deps.js';
import { decideLogoutAll } from '../domain/logout-all.js';
import { appendEvents } from '../outbox/append.js';
import { revokeTokens, toTokenState } from '../repo/tokens.js';
import { lockUser } from '../repo/users.js';

export type LogoutAllResult = { found: false } | { found: true; revokedCount: number; notBefore: number };

/**
 * DELETE /api/v1/auth/tokens/all/{userId}: every live token of the user is marked REVOKED, the
 * user's cutoff (`tokens_not_before`, shared with password change) moves to `notBefore`, and one
 * LogoutAll is appended. A login after it works: its tokens are issued after the cutoff.
 */
export async function logoutAll(deps: TokenApiDeps, input: { userId: string; reason: string; actor: Actor }): Promise<LogoutAllResult> {
  const result = await deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, input.userId);
    if (!user) return null;
    const now = deps.clock();
    const live = await trx.selectFrom('auth_tokens').selectAll().where('user_id', '=', input.userId).where('status', '=', 'ACTIVE').where('expires_at', '>', new Date(now)).execute();
    const outcome = decideLogoutAll({ userId: input.userId, reason: input.reason, actor: input.actor, now, nextId: idsAt(now) }, live.map(toTokenState));
    await revokeTokens(trx, outcome.revoked.map((t) => t.id), input.reason, new Date(now));
    // The cutoff never moves backwards (a later password change may already have set one).
    await trx
      .updateTable('users')
      .set({ tokens_not_before: sql<Date>`greatest(tokens_not_before, ${new Date(outcome.notBefore)}::timestamptz)`, updated_at: new Date(now) })
      .where('id', '=', input.userId)
      .execute();
    const entries = await appendEvents(trx, deps.topology, outcome.events);
    return { entries, revokedCount: outcome.revoked.length, notBefore: outcome.notBefore };
  });
  if (!result) return { found: false };
  deps.afterCommit(result.entries);
  logSecurityEvent(deps.logger, 'logout_all', { user_id: input.userId, revoked_count: result.revokedCount, not_before: result.notBefore, actor_kind: input.actor.kind, actor_id: input.actor.id });
  return { found: true, revokedCount: result.revokedCount, notBefore: result.notBefore };
}
