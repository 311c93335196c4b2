import { Uuid } from '@tessera/contracts';
import { CliError, type AdminClient } from '../admin-client.js';

function uuid(value: string, what: string): string {
  if (!Uuid.safeParse(value).success) throw new CliError(`${what} must be a UUID, got ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

/** Incident response: revoke one token (a refresh token ends its whole session). */
export async function revokeToken(admin: AdminClient, tokenId: string, reason: string): Promise<{ tokenId: string; revokedCount: number }> {
  return admin.request('token-api', 'DELETE', `/api/v1/auth/tokens/${uuid(tokenId, 'token id')}`, { body: { reason } });
}

/** Incident response: sign a user out everywhere (LogoutAll). */
export async function logoutAll(admin: AdminClient, userId: string): Promise<{ userId: string; revokedCount: number }> {
  return admin.request('token-api', 'DELETE', `/api/v1/auth/tokens/all/${uuid(userId, 'user id')}`);
}

/** Key rotation: a new signing key; tokens signed with the previous one stay valid until they expire. */
export async function rotateKeys(admin: AdminClient, alg?: string): Promise<{ kid: string; alg: string; activatesAt: string }> {
  return admin.request('token-api', 'POST', '/api/v1/admin/keys/rotate', { body: alg ? { alg } : {} });
}
