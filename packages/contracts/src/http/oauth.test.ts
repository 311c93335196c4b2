import { describe, it, expect } from 'vitest';
import { FIXED_IDS } from '../testing/fixtures.js';
import { IntrospectRequest, IntrospectResponse, OAuthErrorResponse, OAuthRevokeRequest } from './oauth.js';

const active = {
  active: true,
  scope: 'READ_PROFILE READ_TOKENS',
  client_id: 'web',
  username: 'ann@example.org',
  token_type: 'Bearer',
  exp: 1_768_472_100,
  iat: 1_768_471_200,
  nbf: 1_768_471_200,
  sub: FIXED_IDS.userId,
  aud: 'tessera',
  iss: 'https://auth.example.org',
  jti: FIXED_IDS.tokenId,
};

describe('introspection and revocation requests', () => {
  it('accept a token with an optional hint and ignore unknown parameters (RFC 6749 §3.2)', () => {
    expect(IntrospectRequest.parse({ token: 'abc', token_type_hint: 'refresh_token', client_id: 'x' })).toEqual({
      token: 'abc',
      token_type_hint: 'refresh_token',
    });
    expect(OAuthRevokeRequest.safeParse({ token: 'abc' }).success).toBe(true);
  });

  it.each([{}, { token: '' }, { token: 'x'.repeat(4097) }, { token: 'abc', token_type_hint: 'id_token' }, { token: 42 }])(
    'rejects %j',
    (body) => {
      expect(IntrospectRequest.safeParse(body).success).toBe(false);
      expect(OAuthRevokeRequest.safeParse(body).success).toBe(false);
    },
  );
});

describe('IntrospectResponse', () => {
  it('accepts an active answer and exactly {active:false}', () => {
    expect(IntrospectResponse.safeParse(active).success).toBe(true);
    expect(IntrospectResponse.safeParse({ ...active, aud: ['a', 'b'] }).success).toBe(true);
    expect(IntrospectResponse.safeParse({ active: false }).success).toBe(true);
  });

  it('an inactive answer says nothing more', () => {
    expect(IntrospectResponse.safeParse({ active: false, sub: FIXED_IDS.userId }).success).toBe(false);
  });

  it.each([{ exp: '1768472100' }, { sub: 'ann' }, { jti: undefined }, { active: 'true' }, { secret: 'x' }])(
    'rejects an active answer with %j',
    (patch) => {
      expect(IntrospectResponse.safeParse({ ...active, ...patch }).success).toBe(false);
    },
  );
});

describe('OAuthErrorResponse', () => {
  it('accepts RFC 6749 codes only', () => {
    expect(OAuthErrorResponse.safeParse({ error: 'invalid_client' }).success).toBe(true);
    expect(OAuthErrorResponse.safeParse({ error: 'oops' }).success).toBe(false);
    expect(OAuthErrorResponse.safeParse({ error: 'invalid_request', error_description: 'x'.repeat(513) }).success).toBe(false);
  });
});
