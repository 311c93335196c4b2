import { sql, type Kysely, type Migration } from 'kysely';

/*
 * One row per token event (DESIGN §2-3), keyed by the event id so a redelivered event is a
 * no-op. Columns lift what the queries filter on; `data` keeps the whole event payload.
 * Frozen: a change is a new migration.
 */
export const authTokenAudit: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('auth_token_audit')
      .addColumn('event_id', 'uuid', (c) => c.primaryKey())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('user_id', 'uuid', (c) => c.notNull())
      .addColumn('token_id', 'uuid')
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text', (c) => c.notNull())
      .addColumn('client_ip', sql`inet`)
      .addColumn('user_agent', 'text')
      .addColumn('reason', 'text')
      .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
      .addColumn('stream_seq', 'bigint', (c) => c.notNull())
      .addColumn('data', 'jsonb', (c) => c.notNull())
      .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    // A user's trail, newest first, with the keyset (occurred_at, event_id) read backwards.
    await sql`create index auth_token_audit_user_trail on auth_token_audit (user_id, occurred_at, event_id)`.execute(db);
    // Time ranges over everyone: retention purges, the daily summary, unusual usage.
    await sql`create index auth_token_audit_occurred_at on auth_token_audit (occurred_at)`.execute(db);
    // Brute-force detection reads only validation failures; a partial index keeps it small.
    await sql`create index auth_token_audit_validation_failures on auth_token_audit (occurred_at, user_id) where action = 'TokenValidationFailed'`.execute(db);
  },
};
