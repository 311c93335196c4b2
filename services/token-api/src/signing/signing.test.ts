import { describe, expect, it } from 'vitest';
import { SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import type { NewToken } from '../domain/model.js';
import { AccessTokenError, signAccessToken, verifyAccessToken } from './access-token.js';
import { KeyDecryptionError, KeyEncryptionKey } from './key-encryption.js';
import { exportPkcs8, newSigningKey, signingKeyFromPkcs8, type SigningKey } from './key-material.js';
import { KeyStore, type KnownKey } from './key-store.js';

const where = { issuer: 'https://issuer.test', audience: 'tessera' };
const NOW = 1_768_471_200_000;

function token(overrides: Partial<NewToken> = {}): NewToken {
  return {
    id: '019bc119-0100-7000-8000-000000000002',
    type: 'ACCESS',
    userId: '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f',
    email: 'ada@example.com',
    familyId: '019bc119-0100-7000-8000-000000000003',
    parentTokenId: null,
    refreshTokenId: null,
    scopes: ['READ_TOKENS', 'READ_PROFILE'],
    issuedAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    client: { ip: '203.0.113.7', userAgent: 'UA', fingerprint: 'a'.repeat(64) },
    allowedCountries: ['FR'],
    ...overrides,
  };
}

const known = (key: SigningKey, activatesAt: number, retiredAt: number | null, signs = true): KnownKey => ({
  key: signs ? key : { ...key, privateKey: null },
  activatesAt,
  retiredAt,
});

async function storeWith(keys: KnownKey[], clock: () => number): Promise<KeyStore> {
  const store = new KeyStore({ rotatable: true, load: async () => keys }, 16 * 60_000, clock);
  await store.reload();
  return store;
}

describe('key encryption (AES-256-GCM)', () => {
  it('round-trips, and refuses another KEK, another kid or a flipped bit', () => {
    const kek = new KeyEncryptionKey(Buffer.alloc(32, 7));
    const sealed = kek.seal(Buffer.from('secret key'), 'kid-1');
    expect(kek.open(sealed, 'kid-1').toString()).toBe('secret key');
    expect(() => new KeyEncryptionKey(Buffer.alloc(32, 8)).open(sealed, 'kid-1')).toThrow(KeyDecryptionError);
    expect(() => kek.open(sealed, 'kid-2')).toThrow(KeyDecryptionError);
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    tampered.ciphertext[0]! ^= 1;
    expect(() => kek.open(tampered, 'kid-1')).toThrow(KeyDecryptionError);
  });
});

describe('access tokens', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)('%s: signs RFC 9068 tokens that jose alone verifies against the JWKS', async (alg) => {
    const key = await newSigningKey(alg);
    const store = await storeWith([known(key, 0, null)], Date.now);
    const jwt = await signAccessToken(store.current(), token(), where);
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(store.jwks()), { ...where, typ: 'at+jwt' });
    expect(protectedHeader).toEqual({ alg, kid: key.kid, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: token().userId, jti: token().id, scope: 'READ_PROFILE READ_TOKENS', sid: token().familyId, fpr: 'a'.repeat(64), ctry: ['FR'] });
    const claims = await verifyAccessToken(jwt, store, where);
    expect(claims.scope).toEqual(['READ_PROFILE', 'READ_TOKENS']);
  });

  it('carries the session authentication as amr and auth_time (seconds), and nothing when the session has none', async () => {
    const key = await newSigningKey('ES256');
    const store = await storeWith([known(key, 0, null)], Date.now);
    const authTime = Date.now() - 90_500;
    const stepped = await verifyAccessToken(await signAccessToken(key, token({ auth: { amr: ['pwd', 'otp'], authTime } }), where), store, where);
    expect(stepped).toMatchObject({ amr: ['pwd', 'otp'], auth_time: Math.floor(authTime / 1000) });
    const legacy = await verifyAccessToken(await signAccessToken(key, token(), where), store, where);
    expect(legacy).not.toHaveProperty('amr');
    expect(legacy).not.toHaveProperty('auth_time');
  });

  it('refuses tampered, expired, foreign and mistyped tokens with a reason', async () => {
    const key = await newSigningKey('ES256');
    const store = await storeWith([known(key, 0, null)], Date.now);
    const jwt = await signAccessToken(key, token(), where);
    const [h, p, s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), scope: 'ADMIN_SYSTEM' })).toString('base64url')}.${s}`;
    const reason = (t: string) => verifyAccessToken(t, store, where).then(() => 'ok', (e: AccessTokenError) => e.reason);
    expect(await reason(forged)).toBe('bad_signature');
    expect(await reason(await signAccessToken(key, token({ issuedAt: Date.now() - 120_000, expiresAt: Date.now() - 60_000 }), where))).toBe('expired');
    expect(await reason(await signAccessToken(await newSigningKey('ES256'), token(), where))).toBe('unknown_kid');
    expect(await reason(await signAccessToken(key, token(), { ...where, audience: 'other' }))).toBe('invalid_claims');
    const idToken = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' }).setIssuer(where.issuer).setAudience(where.audience).setSubject(token().userId).setJti(token().id).setIssuedAt().setExpirationTime('1m').sign(key.privateKey);
    expect(await reason(idToken)).toBe('invalid_claims');
    expect(await reason('garbage')).toBe('malformed');
  });
});

describe('KeyStore', () => {
  it('signs with the newest activated key, publishes the upcoming one, and drops a retired key after the retention', async () => {
    const [a, b, c] = await Promise.all([newSigningKey('ES256'), newSigningKey('ES256'), newSigningKey('EdDSA')]);
    let now = NOW;
    const store = await storeWith([known(a!, NOW - 3_600_000, NOW - 60_000, false), known(b!, NOW - 60_000, NOW + 30_000), known(c!, NOW + 30_000, null)], () => now);
    expect(store.current().kid).toBe(b!.kid);
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([c!.kid, b!.kid, a!.kid]);
    now = NOW + 30_000;
    expect(store.current().kid).toBe(c!.kid);
    now = NOW + 16 * 60_000;
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([c!.kid, b!.kid]);
    expect(store.verificationKey(a!.kid, 'ES256')).toBeUndefined();
    expect(store.verificationKey(c!.kid, 'ES256')).toBeUndefined();
    expect(store.verificationKey(c!.kid, 'EdDSA')).toBeDefined();
  });

  it('restores a sealed PKCS#8 key under the same kid', async () => {
    const key = await newSigningKey('RS256');
    const restored = await signingKeyFromPkcs8(exportPkcs8(key.privateKey), 'RS256', key.kid);
    expect(restored.publicJwk).toEqual(key.publicJwk);
  });
});
