// The hand-written claim check must accept exactly what the AccessTokenClaims schema accepts,
// and return what it returns: every field, with valid and invalid values, alone and combined.
import { describe, expect, it } from 'vitest';
import { AccessTokenClaims, parseAccessTokenClaims, tokenFacts } from './claims.js';

const valid = {
  iss: 'http://localhost:9003',
  sub: '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f',
  aud: 'tessera',
  exp: 1_768_472_100,
  iat: 1_768_471_200,
  jti: '019bc119-0100-7000-8000-000000000002',
  scope: 'READ_PROFILE ADMIN_TOKENS',
  sid: '019bc119-0100-7000-8000-000000000003',
  fpr: 'a'.repeat(64),
};

const UUIDS = ['5B1D1A4E-8C1F-4F7A-9D3E-2A6B7C8D9E0F', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '5b1d1a4e-8c1f-0f7a-9d3e-2a6b7c8d9e0f', '5b1d1a4e-8c1f-4f7a-7d3e-2a6b7c8d9e0f', '5b1d1a4e8c1f4f7a9d3e2a6b7c8d9e0f', '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0', 'x'];
const COMMON_BAD = [undefined, null, 1, '', true, {}, [], 1.5, -1];

const variants: Record<string, unknown[]> = {
  iss: [...COMMON_BAD, 'x', 'i'.repeat(512), 'i'.repeat(513)],
  sub: [...COMMON_BAD, ...UUIDS],
  aud: [...COMMON_BAD, 'x', ['a'], ['a', 'b'], [], [''], ['a', 1], Array(16).fill('a'), Array(17).fill('a'), 'a'.repeat(513)],
  exp: [...COMMON_BAD, 0, 2 ** 53, Number.MAX_SAFE_INTEGER, '1768472100', Number.NaN, Number.POSITIVE_INFINITY],
  iat: [...COMMON_BAD, 0, 2 ** 53],
  nbf: [...COMMON_BAD, 0, 1_768_471_200],
  jti: [...COMMON_BAD, ...UUIDS, '019BC119-0100-7000-8000-000000000002', '019bc119-0100-7000-c000-000000000002', '019bc119-0100-6000-8000-000000000002'],
  scope: [...COMMON_BAD, 'READ_PROFILE', 's'.repeat(1024), 's'.repeat(1025)],
  sid: [...COMMON_BAD, ...UUIDS],
  fpr: [...COMMON_BAD, 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64), '0'.repeat(64)],
  ctry: [...COMMON_BAD, ['FR'], ['FR', 'DE'], ['fr'], ['FRA'], [], Array(250).fill('FR'), Array(251).fill('FR'), [1]],
  amr: [...COMMON_BAD, ['pwd'], ['pwd', 'otp'], ['PWD'], [''], ['a'.repeat(32)], ['a'.repeat(33)], Array(8).fill('otp'), Array(9).fill('otp'), [1]],
  auth_time: [...COMMON_BAD, 0, 1_768_471_200, 2 ** 53, '1768471200'],
  extra: ['ignored', { nested: true }],
};

function agree(payload: Record<string, unknown>) {
  const reference = AccessTokenClaims.safeParse(payload);
  const fast = parseAccessTokenClaims(payload);
  expect(fast === null ? 'refused' : 'accepted', JSON.stringify(payload)).toBe(reference.success ? 'accepted' : 'refused');
  if (reference.success) expect(fast).toEqual(reference.data);
}

describe('parseAccessTokenClaims', () => {
  it('agrees with the AccessTokenClaims schema on the valid claim set', () => agree(valid));

  for (const [field, values] of Object.entries(variants)) {
    it(`agrees with the schema on every value of ${field}`, () => {
      for (const value of values) {
        const payload: Record<string, unknown> = { ...valid, [field]: value };
        if (value === undefined) delete payload[field];
        agree(payload);
      }
    });
  }

  it('agrees on pairs of changed fields', () => {
    const fields = Object.keys(variants);
    for (const a of fields) for (const b of fields) if (a < b) for (const va of variants[a]!.slice(-3)) for (const vb of variants[b]!.slice(-3)) agree({ ...valid, [a]: va, [b]: vb });
  });

  it('copies arrays, so freezing the result never freezes the caller\'s payload', () => {
    const payload = { ...valid, aud: ['a', 'b'], ctry: ['FR'] };
    const facts = tokenFacts(parseAccessTokenClaims(payload)!);
    expect(Object.isFrozen(facts.claims)).toBe(true);
    expect(Object.isFrozen(facts.claims.aud)).toBe(true);
    expect(Object.isFrozen(payload.aud)).toBe(false);
  });
});

describe('tokenFacts', () => {
  it('derives what the checks need', () => {
    const facts = tokenFacts(parseAccessTokenClaims({ ...valid, sub: valid.sub.toUpperCase(), scope: 'WRITE_PROFILE UNKNOWN READ_PROFILE', ctry: ['FR'] })!);
    expect(facts).toMatchObject({
      scopes: ['READ_PROFILE', 'WRITE_PROFILE'],
      isAdmin: false,
      userId: valid.sub,
      tokenId: valid.jti,
      sessionId: valid.sid,
      issuedAtMs: 1_768_471_200_000,
      expiresAtMs: valid.exp * 1000,
      fingerprint: valid.fpr,
      countries: ['FR'],
    });
    expect(tokenFacts(parseAccessTokenClaims(valid)!).isAdmin).toBe(true);
  });
});
