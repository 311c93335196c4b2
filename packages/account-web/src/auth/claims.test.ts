import { describe, expect, it } from 'vitest';
import { FAMILY_A, USER, accessToken } from '../testing/tokens.js';
import { MalformedTokenError, readClaims } from './claims.js';

describe('readClaims', () => {
  it('reads user, session, token id, expiry and scopes from the payload', () => {
    const claims = readClaims(accessToken({ exp: 1_768_472_100, scope: 'READ_TOKENS ADMIN_TOKENS', sub: USER.toUpperCase() }));
    expect(claims.userId).toBe(USER);
    expect(claims.sessionId).toBe(FAMILY_A);
    expect(claims.expiresAtMs).toBe(1_768_472_100_000);
    expect([...claims.scopes]).toEqual(['READ_TOKENS', 'ADMIN_TOKENS']);
  });

  it('decodes UTF-8 payloads (base64url, no padding)', () => {
    expect(readClaims(accessToken({ exp: 1, name: 'Zoë ✓' })).userId).toBe(USER);
  });

  it.each(['', 'not-a-jwt', 'a.%%%.c', `x.${Buffer.from('[1]').toString('base64url')}.y`, accessToken({ exp: 1, sid: 'nope' })])(
    'refuses %j',
    (token) => {
      expect(() => readClaims(token)).toThrow(MalformedTokenError);
    },
  );
});
