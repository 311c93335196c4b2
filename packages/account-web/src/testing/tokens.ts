// Builders for the unit tests: ActiveTokens of the contract shape and unsigned JWTs carrying
// the claims the page reads (the page never verifies a signature; token-api does).
import { ActiveToken } from '@tessera/contracts';
import { FIXED_IDS, FIXED_NOW_MS } from '@tessera/contracts/testing';

export const USER = FIXED_IDS.userId;
export const OTHER_USER = FIXED_IDS.otherUserId;

/** A UUIDv7 whose timestamp is `ms`, with `n` in the random part to tell them apart. */
export function uuidV7At(ms: number, n: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const FAMILY_A = uuidV7At(FIXED_NOW_MS - 3_600_000, 0xa);
export const FAMILY_B = uuidV7At(FIXED_NOW_MS - 600_000, 0xb);

let counter = 0x100;
export function token(patch: Partial<ActiveToken> & { familyId: string }): ActiveToken {
  counter += 1;
  return ActiveToken.parse({
    tokenId: uuidV7At(FIXED_NOW_MS, counter),
    tokenType: 'REFRESH',
    device: { browser: 'Firefox', os: 'Windows', type: 'desktop' },
    clientIp: '203.0.113.7',
    createdAt: new Date(FIXED_NOW_MS - 60_000).toISOString(),
    lastUsedAt: null,
    expiresAt: new Date(FIXED_NOW_MS + 86_400_000).toISOString(),
    ...patch,
  });
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function accessToken(claims: { sub?: string; sid?: string; jti?: string; exp: number; scope?: string; [k: string]: unknown }): string {
  return [
    b64url({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' }),
    b64url({ sub: USER, sid: FAMILY_A, jti: uuidV7At(FIXED_NOW_MS, 1), scope: 'READ_PROFILE READ_TOKENS', iss: 'http://localhost:9003', aud: 'tessera', ...claims }),
    'c2lnbmF0dXJl',
  ].join('.');
}

/** A login or refresh answer; each call mints a new token id, as token-api does. */
export function pair(exp: number, extra: Record<string, unknown> = {}) {
  counter += 1;
  return { access_token: accessToken({ exp, jti: uuidV7At(FIXED_NOW_MS, counter), ...extra }), refresh_token: `rt-${counter}`, token_type: 'Bearer' as const, expires_in: 900, scope: 'READ_PROFILE READ_TOKENS' };
}
