import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Frozen: never edit once applied; change the schema with a new migration.
 *
 * expiry_schedule: one row per live token. The sweep reads it by expires_at (and warn_at for
 * the pre-expiry warning, a partial index so access tokens cost nothing there); logout-all
 * deletes by (user_id, issued_at). Times are timestamptz: microsecond resolution holds the
 * events' milliseconds exactly.
 *
 * revoked_token and user_cutoff make the projection independent of event order: the consumer
 * retries a failed message later while the messages behind it go on, so a TokenRevoked (or a
 * LogoutAll) can be applied before the TokenIssued it concerns. Both tables are purged by the
 * sweep once nothing they guard can still arrive in time to matter.
 */
export const migration: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await sql`
      create table expiry_schedule (
        token_id uuid primary key,
        user_id uuid not null,
        family_id uuid not null,
        token_type text not null check (token_type in ('ACCESS', 'REFRESH')),
        issued_at timestamptz not null,
        expires_at timestamptz not null,
        warn_at timestamptz,
        warned boolean not null default false
      )`.execute(db);
    await sql`create index expiry_schedule_expires_at on expiry_schedule (expires_at)`.execute(db);
    await sql`create index expiry_schedule_user_issued on expiry_schedule (user_id, issued_at)`.execute(db);
    await sql`create index expiry_schedule_pending_warning on expiry_schedule (warn_at) where warn_at is not null and not warned`.execute(db);

    await sql`create table revoked_token (token_id uuid primary key, expires_at timestamptz not null)`.execute(db);
    await sql`create index revoked_token_expires_at on revoked_token (expires_at)`.execute(db);

    await sql`create table user_cutoff (user_id uuid primary key, not_before timestamptz not null)`.execute(db);
    await sql`create index user_cutoff_not_before on user_cutoff (not_before)`.execute(db);
  },
};
