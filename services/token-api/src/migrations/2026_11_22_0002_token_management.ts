import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Frozen: indexes for the token-management read side (issue 5). Never import application code
 * here and never edit this once released; a change is a new migration.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    // GET /tokens/active: a user's live tokens, newest first, keyset-paginated on (created_at, id).
    // Partial, so revoked and rotated rows (most of a long-lived user's history) are not in it.
    await sql`create index auth_tokens_user_active_page_idx on auth_tokens (user_id, created_at desc, id desc) where status = 'ACTIVE'`.execute(db);
    // GET /tokens/device/{clientIp}: every token created from an address, keyset-paginated.
    await sql`create index auth_tokens_client_ip_page_idx on auth_tokens (client_ip, created_at desc, id desc)`.execute(db);
    // auth_tokens_active_gauge: count(*) of live tokens by type, answered from this index alone.
    await sql`create index auth_tokens_active_type_idx on auth_tokens (token_type, expires_at) where status = 'ACTIVE'`.execute(db);
  },
};
