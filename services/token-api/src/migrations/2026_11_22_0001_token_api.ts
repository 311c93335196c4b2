import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Frozen: the token-api schema as first shipped (DESIGN §2). Never import application code here
 * and never edit this once released; a change is a new migration.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'admin')`))
      .addColumn('allowed_countries', sql`text[]`)
      // Tokens issued before this instant (ms precision) are dead: set by password change.
      .addColumn('tokens_not_before', 'timestamptz')
      .addColumn('password_changed_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();

    // Failed-login counters keyed by `email:<sha256>` or `ip:<address>`, whether or not the
    // account exists, so a lockout never tells an attacker which emails are registered.
    await db.schema
      .createTable('login_throttle')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
      .addColumn('locked_until', 'timestamptz')
      .execute();

    // The reference system's token record; the token itself is never stored, only its SHA-256.
    await db.schema
      .createTable('auth_tokens')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('token_type', 'text', (c) => c.notNull().check(sql`token_type in ('ACCESS', 'REFRESH')`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'EXPIRED', 'REVOKED')`))
      .addColumn('family_id', 'uuid', (c) => c.notNull())
      .addColumn('parent_token_id', 'uuid')
      .addColumn('refresh_token_id', 'uuid')
      .addColumn('successor_token_id', 'uuid')
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('client_ip', sql`inet`, (c) => c.notNull())
      .addColumn('user_agent', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_used_at', 'timestamptz')
      .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('revocation_reason', 'text')
      .addColumn('revoked_at', 'timestamptz')
      .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .execute();
    await db.schema.createIndex('auth_tokens_token_hash_key').on('auth_tokens').column('token_hash').unique().execute();
    await db.schema.createIndex('auth_tokens_user_status_idx').on('auth_tokens').columns(['user_id', 'status']).execute();
    await db.schema.createIndex('auth_tokens_expires_at_idx').on('auth_tokens').column('expires_at').execute();
    await db.schema.createIndex('auth_tokens_client_ip_idx').on('auth_tokens').column('client_ip').execute();
    await db.schema.createIndex('auth_tokens_user_status_revoked_idx').on('auth_tokens').columns(['user_id', 'status', 'revoked']).execute();
    await db.schema.createIndex('auth_tokens_family_idx').on('auth_tokens').column('family_id').execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (c) => c.primaryKey())
      .addColumn('alg', 'text', (c) => c.notNull())
      .addColumn('public_jwk', 'jsonb', (c) => c.notNull())
      // AES-256-GCM of the PKCS#8 DER private key under the key-encryption key `kek_id` names.
      .addColumn('private_key_ciphertext', 'bytea', (c) => c.notNull())
      .addColumn('private_key_iv', 'bytea', (c) => c.notNull())
      .addColumn('private_key_tag', 'bytea', (c) => c.notNull())
      .addColumn('kek_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('activates_at', 'timestamptz', (c) => c.notNull())
      .addColumn('retired_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('signing_keys_activates_at_idx').on('signing_keys').column('activates_at').execute();

    // Append-only event log and outbox. `sequence` orders each user's events as committed
    // (commands that emit a user's events hold that user's row lock).
    await db.schema
      .createTable('token_events')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('sequence', 'bigserial', (c) => c.notNull().unique())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('user_id', 'uuid')
      .addColumn('payload', 'jsonb', (c) => c.notNull())
      // W3C trace context of the command, so a relayed publish joins the request's trace.
      .addColumn('headers', 'jsonb')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('published_at', 'timestamptz')
      .execute();
    await sql`create index token_events_unpublished_idx on token_events (sequence) where published_at is null`.execute(db);
    await sql`create index token_events_unpublished_user_idx on token_events (user_id, sequence) where published_at is null`.execute(db);
    await db.schema.createIndex('token_events_user_idx').on('token_events').columns(['user_id', 'sequence']).execute();
  },
};
