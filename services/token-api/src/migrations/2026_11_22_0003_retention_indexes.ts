import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Frozen: the indexes the retention batches walk (src/retention/purge.ts). Never import
 * application code here; the reason literals are copied on purpose.
 *
 * - auth_tokens by revoked_at, only for revocations that end a token for good: exchanged refresh
 *   tokens ('rotated', 'superseded by a retried refresh') stay until their expiry for reuse
 *   detection and are purged through the existing expires_at index instead.
 * - token_events by created_at, only once published: the outbox log the retention prunes.
 *
 * Plain CREATE INDEX (the migrator runs in a transaction, where CONCURRENTLY is refused): it
 * blocks writes to the table while it builds, which is instant on a new deployment; on a large
 * live table, build the same index CONCURRENTLY by hand first and this becomes a no-op.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await sql`
      create index if not exists auth_tokens_revoked_at_idx on auth_tokens (revoked_at)
      where revoked_at is not null and revocation_reason not in ('rotated', 'superseded by a retried refresh')`.execute(db);
    await sql`
      create index if not exists token_events_published_created_idx on token_events (created_at)
      where published_at is not null`.execute(db);
  },
};
