import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** timestamptz: pg returns Date; we write Date too. */
type Timestamp = ColumnType<Date, Date, Date>;

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  role: 'user' | 'admin';
  allowed_countries: string[] | null;
  tokens_not_before: Timestamp | null;
  password_changed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  window_started_at: Timestamp;
  locked_until: Timestamp | null;
}

export interface AuthTokensTable {
  id: string;
  user_id: string;
  email: string;
  token_hash: string;
  token_type: 'ACCESS' | 'REFRESH';
  status: 'ACTIVE' | 'EXPIRED' | 'REVOKED';
  family_id: string;
  parent_token_id: string | null;
  refresh_token_id: string | null;
  successor_token_id: string | null;
  scopes: string[];
  fingerprint: string;
  client_ip: string;
  user_agent: string;
  expires_at: Timestamp;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked: Generated<boolean>;
  revocation_reason: string | null;
  revoked_at: Timestamp | null;
  metadata: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_key_ciphertext: Buffer;
  private_key_iv: Buffer;
  private_key_tag: Buffer;
  kek_id: string;
  created_at: Timestamp;
  activates_at: Timestamp;
  retired_at: Timestamp | null;
}

export interface TokenEventsTable {
  id: string;
  sequence: Generated<number>;
  subject: string;
  type: string;
  user_id: string | null;
  payload: ColumnType<unknown, string, string>;
  headers: ColumnType<Record<string, string> | null, string | null, string | null>;
  created_at: Generated<Date>;
  published_at: Timestamp | null;
}

export interface TokenApiDatabase {
  users: UsersTable;
  login_throttle: LoginThrottleTable;
  auth_tokens: AuthTokensTable;
  signing_keys: SigningKeysTable;
  token_events: TokenEventsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type AuthTokenRow = Selectable<AuthTokensTable>;
export type NewAuthTokenRow = Insertable<AuthTokensTable>;
export type SigningKeyRow = Selectable<SigningKeysTable>;
export type ThrottleRow = Selectable<LoginThrottleTable>;
