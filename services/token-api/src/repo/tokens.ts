import { sql, type Transaction } from 'kysely';
import type { AuthTokenRow, TokenApiDatabase, UserRow } from '../db/schema.js';
import type { AuthMethod, NewToken, SessionAuth, TokenState } from '../domain/model.js';
import { parseScopes } from './users.js';

type Trx = Transaction<TokenApiDatabase>;

export function toTokenState(row: AuthTokenRow): TokenState {
  return {
    id: row.id,
    userId: row.user_id,
    type: row.token_type,
    status: row.status,
    familyId: row.family_id,
    refreshTokenId: row.refresh_token_id,
    successorTokenId: row.successor_token_id,
    scopes: parseScopes(row.scopes),
    fingerprint: row.fingerprint,
    createdAt: row.created_at.getTime(),
    expiresAt: row.expires_at.getTime(),
    revokedAt: row.revoked_at?.getTime() ?? null,
    revocationReason: row.revocation_reason,
    ...sessionAuthOf(row.metadata),
  };
}

/** The session authentication a token row's metadata carries (see tokenRowValues). */
function sessionAuthOf(metadata: Record<string, unknown>): { auth?: SessionAuth } {
  const { amr, authTime } = metadata;
  if (!Array.isArray(amr) || !amr.every((m) => m === 'pwd' || m === 'otp') || typeof authTime !== 'number') return {};
  return { auth: { amr: amr as AuthMethod[], authTime } };
}

/**
 * Locks the owner of a refresh token (see lockUser) found by the token's hash, in one round trip;
 * undefined when no refresh token has that hash. Only the user row is locked: tokens are read
 * after the lock is held, so they are current.
 */
export async function lockOwnerOfRefreshToken(trx: Trx, tokenHash: string): Promise<UserRow | undefined> {
  return trx
    .selectFrom('users')
    .selectAll()
    .where('id', '=', (eb) => eb.selectFrom('auth_tokens').select('user_id').where('token_hash', '=', tokenHash).where('token_type', '=', 'REFRESH'))
    .forNoKeyUpdate()
    .executeTakeFirst();
}

export async function findTokenByHash(trx: Trx, tokenHash: string): Promise<AuthTokenRow | undefined> {
  return trx.selectFrom('auth_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function liveFamilyMembers(trx: Trx, familyId: string): Promise<AuthTokenRow[]> {
  return trx.selectFrom('auth_tokens').selectAll().where('family_id', '=', familyId).where('status', '=', 'ACTIVE').orderBy('created_at').execute();
}

/** auth_tokens rows for issued tokens; `hashes` maps token id → SHA-256 of the token string. */
export function tokenRowValues(tokens: NewToken[], hashes: Map<string, string>) {
  return tokens.map((t) => ({
    id: t.id,
    user_id: t.userId,
    email: t.email,
    token_hash: hashes.get(t.id)!,
    token_type: t.type,
    status: 'ACTIVE' as const,
    family_id: t.familyId,
    parent_token_id: t.parentTokenId,
    refresh_token_id: t.refreshTokenId,
    successor_token_id: null,
    scopes: t.scopes,
    fingerprint: t.client.fingerprint,
    client_ip: t.client.ip,
    user_agent: t.client.userAgent,
    expires_at: new Date(t.expiresAt),
    created_at: new Date(t.issuedAt),
    last_used_at: null,
    revocation_reason: null,
    revoked_at: null,
    metadata: JSON.stringify({ ...(t.allowedCountries ? { allowedCountries: t.allowedCountries } : {}), ...(t.auth ? { amr: t.auth.amr, authTime: t.auth.authTime } : {}) }),
  }));
}

export async function revokeTokens(trx: Trx, ids: string[], reason: string, now: Date): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('auth_tokens')
    .set({ status: 'REVOKED', revoked: true, revocation_reason: reason, revoked_at: now })
    .where('id', 'in', ids)
    .where('status', '=', 'ACTIVE')
    .execute();
}

/** Every live token of the user created before the cutoff (password change); returns the count. */
export async function revokeUserTokensBefore(trx: Trx, userId: string, cutoff: Date, reason: string, now: Date): Promise<number> {
  const result = await trx
    .updateTable('auth_tokens')
    .set({ status: 'REVOKED', revoked: true, revocation_reason: reason, revoked_at: now })
    .where('user_id', '=', userId)
    .where('status', '=', 'ACTIVE')
    .where('created_at', '<', cutoff)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
