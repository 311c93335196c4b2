// One bounded batch of each retention delete. Each is a single statement: the rows are chosen and
// locked with FOR UPDATE SKIP LOCKED and deleted at once, so a batch holds row locks only for the
// statement's few milliseconds, never waits on a row a command is updating (a rotation, a
// revocation) and never collides with another replica's batch.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';
import { REVOCATION_REASON } from '../domain/model.js';

export const PURGE_KINDS = ['expired_tokens', 'revoked_tokens', 'published_events'] as const;
export type PurgeKind = (typeof PURGE_KINDS)[number];

/**
 * Exchanged refresh tokens (rotated, or superseded by a retried refresh) are kept until their own
 * expiry + retention, not their revocation + retention: presenting one again is how theft is
 * detected (domain/refresh.ts), and their family can live on for as long as it keeps rotating.
 * Listed as SQL literals so the planner can match the partial index of migration 0003.
 */
const EXCHANGED_REASONS = sql.join([REVOCATION_REASON.rotated, REVOCATION_REASON.superseded].map((reason) => sql.lit(reason)));

function batchStatement(kind: PurgeKind, cutoff: Date, limit: number): RawBuilder<unknown> {
  switch (kind) {
    // Any token, whatever its status, once its expiry is older than the retention.
    case 'expired_tokens':
      return sql`
        delete from auth_tokens where id = any(array(
          select id from auth_tokens where expires_at < ${cutoff}
          order by expires_at limit ${limit} for update skip locked))`;
    // A token revoked (logout, admin, password change, reuse detection) longer ago than the
    // retention, even if it would not have expired yet: nothing can use it again.
    case 'revoked_tokens':
      return sql`
        delete from auth_tokens where id = any(array(
          select id from auth_tokens where revoked_at < ${cutoff} and revocation_reason not in (${EXCHANGED_REASONS})
          order by revoked_at limit ${limit} for update skip locked))`;
    // The outbox log: events JetStream acknowledged, older than the retention (the stream keeps
    // its own copy for its own max age). Unpublished events are never deleted, however old.
    case 'published_events':
      return sql`
        delete from token_events where id = any(array(
          select id from token_events where published_at is not null and created_at < ${cutoff}
          order by created_at limit ${limit} for update skip locked))`;
    default: {
      const unknown: never = kind;
      throw new TypeError(`unknown purge kind ${String(unknown)}`);
    }
  }
}

/** Deletes at most `limit` rows of `kind` older than `cutoff`; returns how many it deleted. */
export async function purgeBatch(db: Kysely<TokenApiDatabase>, kind: PurgeKind, cutoff: Date, limit: number): Promise<number> {
  const result = await batchStatement(kind, cutoff, limit).execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** The statement of one batch, compiled (for plan checks). */
export function compilePurgeBatch(db: Kysely<TokenApiDatabase>, kind: PurgeKind, cutoff: Date, limit: number) {
  return batchStatement(kind, cutoff, limit).compile(db);
}
