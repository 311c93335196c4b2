// The tables of migration 2026_11_22_0004_mfa. Kept beside the MFA code and joined onto the
// service's database type with `withTables`, so the shared schema file stays untouched.
import type { ColumnType, Kysely, Selectable, Transaction } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';

type Timestamp = ColumnType<Date, Date, Date>;
/** pg returns bigint as a string; we write numbers. */
type Step = ColumnType<string | null, number | null, number | null>;

export interface MfaTotpTable {
  user_id: string;
  status: 'pending' | 'active';
  secret_ciphertext: Buffer;
  secret_iv: Buffer;
  secret_tag: Buffer;
  kek_id: string;
  last_used_step: Step;
  created_at: Timestamp;
  enabled_at: Timestamp | null;
}

export interface MfaRecoveryCodesTable {
  user_id: string;
  code_hash: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

export interface MfaTicketsTable {
  ticket_hash: string;
  user_id: string;
  fingerprint: string;
  country: string | null;
  scopes: string[];
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface KnownDevicesTable {
  user_id: string;
  fingerprint: string;
  /** '' when the edge sent no country. */
  country: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

export type MfaTables = {
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_tickets: MfaTicketsTable;
  known_devices: KnownDevicesTable;
};

export type MfaDatabase = TokenApiDatabase & MfaTables;
export type MfaTotpRow = Selectable<MfaTotpTable>;
export type MfaTicketRow = Selectable<MfaTicketsTable>;

export type MfaDb = Kysely<MfaDatabase>;
export type MfaTrx = Transaction<MfaDatabase>;

export function mfaDb(db: Kysely<TokenApiDatabase>): MfaDb {
  return db.withTables<MfaTables>();
}

export function mfaTrx(trx: Transaction<TokenApiDatabase>): MfaTrx {
  return trx.withTables<MfaTables>() as MfaTrx;
}
