import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Frozen: multi-factor login (issue 13). TOTP factors, recovery codes, MFA login tickets and the
 * devices and countries each user has signed in from. Never import application code here.
 */
export const migration: Migration = {
  async up(db: Kysely<any>) {
    // One TOTP factor per user: `pending` from enrollment until a code confirms it, then `active`.
    // The secret is AES-256-GCM under the key-encryption key `kek_id` names, bound to the user id.
    await db.schema
      .createTable('mfa_totp')
      .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'active')`))
      .addColumn('secret_ciphertext', 'bytea', (c) => c.notNull())
      .addColumn('secret_iv', 'bytea', (c) => c.notNull())
      .addColumn('secret_tag', 'bytea', (c) => c.notNull())
      .addColumn('kek_id', 'text', (c) => c.notNull())
      // The last 30 s step a code was accepted for: a code of that step or an earlier one is a replay.
      .addColumn('last_used_step', 'bigint')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('enabled_at', 'timestamptz')
      .execute();

    // SHA-256 of each recovery code (80 random bits: a fast hash is enough, see README).
    await db.schema
      .createTable('mfa_recovery_codes')
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .addPrimaryKeyConstraint('mfa_recovery_codes_pkey', ['user_id', 'code_hash'])
      .execute();

    // Second-step tickets of logins that need a code: SHA-256 only, bound to the user and the
    // User-Agent fingerprint, deleted when used.
    await db.schema
      .createTable('mfa_tickets')
      .addColumn('ticket_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('country', 'text')
      .addColumn('scopes', sql`text[]`, (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mfa_tickets_user_idx').on('mfa_tickets').column('user_id').execute();
    await db.schema.createIndex('mfa_tickets_expires_at_idx').on('mfa_tickets').column('expires_at').execute();

    // Where each user has completed a login from: device fingerprint × country ('' when the edge
    // sent none). A login from a fingerprint or a country not here is unfamiliar.
    await db.schema
      .createTable('known_devices')
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('country', 'text', (c) => c.notNull())
      .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
      .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('known_devices_pkey', ['user_id', 'fingerprint', 'country'])
      .execute();
    await db.schema.createIndex('known_devices_user_country_idx').on('known_devices').columns(['user_id', 'country']).execute();
  },
};
