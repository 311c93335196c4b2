import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { base64url, SignJWT } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { RevocationIndex } from './revocation/index-state.js';
import { createTestIssuer, serveJwks, type TestIssuer } from './testing/index.js';
import { createVerifier, type Verifier } from './verifier.js';
import type { VerifierOptions } from './options.js';

const issuer = await createTestIssuer({ issuer: 'https://issuer.test', audience: 'api.test' });
const UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0';

const open: Verifier[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((v) => v.close()));
});

function verifierFor(from: TestIssuer, options: Partial<VerifierOptions> = {}): Verifier {
  const verifier = createVerifier({ keys: from.jwks, issuer: from.issuer, audience: from.audience, ...options });
  open.push(verifier);
  return verifier;
}

/** Re-encodes one segment of a compact JWS, keeping the others (signature included). */
function withSegment(token: string, index: 0 | 1, change: (json: Record<string, unknown>) => Record<string, unknown>): string {
  const parts = token.split('.');
  const json = JSON.parse(new TextDecoder().decode(base64url.decode(parts[index]!))) as Record<string, unknown>;
  parts[index] = base64url.encode(JSON.stringify(change(json)));
  return parts.join('.');
}

describe('a valid token', () => {
  it('verifies, with its claims and known scopes', async () => {
    const verifier = verifierFor(issuer);
    const { token, jti, userId, sessionId } = await issuer.accessToken({ scopes: ['READ_PROFILE', 'ADMIN_TOKENS'], userAgent: UA });
    const result = await verifier.verify(token, { userAgent: UA });
    expect(result).toMatchObject({ ok: true, claims: { jti, sub: userId, sid: sessionId, iss: issuer.issuer, aud: issuer.audience }, scopes: ['READ_PROFILE', 'ADMIN_TOKENS'] });
  });

  it('ignores scopes this verifier does not know instead of refusing the token', async () => {
    const verifier = verifierFor(issuer);
    const { token } = await issuer.accessToken({ claims: { scope: 'READ_PROFILE FUTURE_SCOPE' } });
    expect(await verifier.verify(token)).toMatchObject({ ok: true, scopes: ['READ_PROFILE'] });
  });

  it('is served from the cache on a repeat, with the same frozen claims', async () => {
    const verifier = verifierFor(issuer);
    const { token } = await issuer.accessToken();
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    expect(verifier.status().cache.entries).toBe(1);
    expect(first.ok && second.ok && first.claims === second.claims).toBe(true);
    expect(Object.isFrozen(first.ok && first.claims)).toBe(true);
  });
});

describe('bad tokens', () => {
  it.each([
    ['empty', ''],
    ['garbage', 'not a token'],
    ['two segments', 'abc.def'],
    ['base64url but not JSON', 'YWJj.ZGVm.Z2hp'],
    ['four segments', 'YWJj.ZGVm.Z2hp.amts'],
    ['not base64url', '{"alg":"ES256"}.e30.c2ln'],
    ['oversized', `${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`],
  ])('%s → malformed', async (_name, token) => {
    expect(await verifierFor(issuer).verify(token)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a non-string → malformed', async () => {
    expect(await verifierFor(issuer).verify(42 as unknown as string)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('an unsecured JWT (alg none, empty signature) → bad_signature', async () => {
    const { token } = await issuer.accessToken();
    const unsigned = withSegment(token, 0, (h) => ({ ...h, alg: 'none' })).split('.').slice(0, 2).join('.') + '.';
    expect(await verifierFor(issuer).verify(unsigned)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('alg none with a signature → bad_signature', async () => {
    const { token } = await issuer.accessToken();
    expect(await verifierFor(issuer).verify(withSegment(token, 0, (h) => ({ ...h, alg: 'none' })))).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('HS256 signed with the public key as the HMAC secret → bad_signature', async () => {
    const { token } = await issuer.accessToken();
    const [, payload] = token.split('.');
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid }));
    // Both classic confusion secrets: the JWK JSON and the raw x||y coordinates.
    for (const secret of [JSON.stringify(issuer.publicJwk), Buffer.concat([base64url.decode(issuer.publicJwk.x!), base64url.decode(issuer.publicJwk.y!)])]) {
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect(await verifierFor(issuer).verify(`${header}.${payload}.${signature}`)).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
  });

  it('HS256 even when the verifier is configured with every asymmetric algorithm → bad_signature', async () => {
    const { token } = await issuer.accessToken();
    const forged = await new SignJWT(JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!))))
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: issuer.kid })
      .sign(new TextEncoder().encode(JSON.stringify(issuer.publicJwk)));
    expect(await verifierFor(issuer, { algorithms: ['ES256', 'EdDSA', 'RS256'] }).verify(forged)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('a tampered payload → bad_signature', async () => {
    const { token } = await issuer.accessToken({ scopes: ['READ_PROFILE'] });
    const tampered = withSegment(token, 1, (p) => ({ ...p, scope: 'READ_PROFILE ADMIN_SYSTEM' }));
    expect(await verifierFor(issuer).verify(tampered)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a token of another key pair with the same kid → bad_signature', async () => {
    const impostor = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience, kid: issuer.kid });
    const { token } = await impostor.accessToken();
    expect(await verifierFor(issuer).verify(token)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a kid the key set does not hold → unknown_kid', async () => {
    const other = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    const { token } = await other.accessToken();
    expect(await verifierFor(issuer).verify(token)).toEqual({ ok: false, reason: 'unknown_kid' });
  });

  it('no kid → malformed', async () => {
    const { token } = await issuer.accessToken({ header: { kid: undefined } });
    expect(await verifierFor(issuer).verify(token)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('a key bound to ES256 used under another allowed alg → bad_signature', async () => {
    const ed = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience, alg: 'EdDSA', kid: issuer.kid });
    const { token } = await ed.accessToken();
    expect(await verifierFor(issuer, { algorithms: ['ES256', 'EdDSA'] }).verify(token)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a typ other than at+jwt (an ID token, a plain JWT) → malformed', async () => {
    const { token } = await issuer.accessToken({ header: { typ: 'JWT' } });
    expect(await verifierFor(issuer).verify(token)).toMatchObject({ ok: false, reason: 'malformed' });
    const { token: prefixed } = await issuer.accessToken({ header: { typ: 'application/at+jwt' } });
    expect(await verifierFor(issuer).verify(prefixed)).toMatchObject({ ok: true });
  });

  it('a wrong issuer → wrong_issuer', async () => {
    const { token } = await issuer.accessToken({ claims: { iss: 'https://evil.test' } });
    expect(await verifierFor(issuer).verify(token)).toMatchObject({ ok: false, reason: 'wrong_issuer' });
  });

  it('a wrong audience → wrong_audience; one of several audiences is enough', async () => {
    const { token } = await issuer.accessToken({ claims: { aud: 'another-api' } });
    expect(await verifierFor(issuer).verify(token)).toMatchObject({ ok: false, reason: 'wrong_audience' });
    const { token: multi } = await issuer.accessToken({ claims: { aud: ['another-api', issuer.audience] } });
    expect(await verifierFor(issuer).verify(multi)).toMatchObject({ ok: true });
  });

  it('a future nbf → not_yet_valid', async () => {
    const { token } = await issuer.accessToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 60 } });
    expect(await verifierFor(issuer).verify(token)).toMatchObject({ ok: false, reason: 'not_yet_valid' });
  });

  it('expired → expired, at first sight and from the cache', async () => {
    const { token: old } = await issuer.accessToken({ issuedAtMs: Date.now() - 3_600_000, expiresInSeconds: 900 });
    expect(await verifierFor(issuer).verify(old)).toMatchObject({ ok: false, reason: 'expired', claims: { exp: expect.any(Number) } });

    let now = Date.now();
    const verifier = verifierFor(issuer, { now: () => now });
    const { token, exp } = await issuer.accessToken({ issuedAtMs: now, expiresInSeconds: 60 });
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    now = exp * 1000;
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifier.status().cache.entries).toBe(0);
  });

  it('clock tolerance applies the same way at first sight and from the cache', async () => {
    let now = Date.now();
    const verifier = verifierFor(issuer, { now: () => now, clockToleranceSeconds: 30 });
    const { token, exp } = await issuer.accessToken({ issuedAtMs: now, expiresInSeconds: 60 });
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    now = exp * 1000 + 29_000;
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    now = exp * 1000 + 30_000;
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it.each([
    ['no sid', { sid: undefined }],
    ['no fpr', { fpr: undefined }],
    ['a jti that is not a UUIDv7', { jti: '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f' }],
    ['a sub that is not a UUID', { sub: 'alice' }],
    ['an empty country list', { ctry: [] }],
    ['no exp', { exp: undefined }],
  ])('%s → malformed', async (_name, claims) => {
    const { token } = await issuer.accessToken({ claims });
    expect(await verifierFor(issuer).verify(token)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('revocation checks', () => {
  const meta = { revision: 1, writtenAt: Date.now(), ttlMs: 3_600_000 };

  it('a revoked jti → revoked', async () => {
    const index = new RevocationIndex();
    const verifier = verifierFor(issuer, { revocations: index });
    const { token, jti, exp } = await issuer.accessToken();
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    index.apply(`jti.${jti}`, { exp, reason: 'stolen', revokedAt: Date.now() }, meta);
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'revoked', claims: { jti } });
    index.apply(`jti.${jti}`, null, meta);
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
  });

  it('a revoked session → session_revoked for every access token of it', async () => {
    const index = new RevocationIndex();
    const verifier = verifierFor(issuer, { revocations: index });
    const a = await issuer.accessToken();
    const b = await issuer.accessToken({ sessionId: a.sessionId, userId: a.userId });
    const other = await issuer.accessToken({ userId: a.userId });
    index.apply(`sid.${a.sessionId}`, { revokedAt: Date.now(), reason: 'logout' }, meta);
    expect(await verifier.verify(a.token)).toMatchObject({ ok: false, reason: 'session_revoked' });
    expect(await verifier.verify(b.token)).toMatchObject({ ok: false, reason: 'session_revoked' });
    expect(await verifier.verify(other.token)).toMatchObject({ ok: true });
  });

  it('a user cutoff revokes tokens issued before it, at millisecond resolution', async () => {
    const index = new RevocationIndex();
    const verifier = verifierFor(issuer, { revocations: index });
    const cutoff = Math.floor(Date.now() / 1000) * 1000 + 500; // mid-second
    const userId = crypto.randomUUID();
    const before = await issuer.accessToken({ userId, issuedAtMs: cutoff - 1 });
    const at = await issuer.accessToken({ userId, issuedAtMs: cutoff });
    const after = await issuer.accessToken({ userId, issuedAtMs: cutoff + 1 });
    expect(Math.floor(before.issuedAtMs / 1000)).toBe(Math.floor(after.issuedAtMs / 1000)); // same second: iat cannot tell them apart
    index.apply(`sub.${userId}`, { notBefore: cutoff }, meta);
    expect(await verifier.verify(before.token)).toMatchObject({ ok: false, reason: 'user_revoked' });
    expect(await verifier.verify(at.token)).toMatchObject({ ok: true });
    expect(await verifier.verify(after.token)).toMatchObject({ ok: true });
  });

  it('matches ids case-insensitively (KV keys are lowercase)', async () => {
    const index = new RevocationIndex();
    const verifier = verifierFor(issuer, { revocations: index });
    const { token, jti } = await issuer.accessToken({ claims: {} });
    const upper = await issuer.accessToken({ claims: { jti: jti.toUpperCase() } });
    index.apply(`jti.${jti.toUpperCase()}`, { exp: 1, reason: 'x', revokedAt: 1 }, meta);
    expect(await verifier.verify(token)).toMatchObject({ reason: 'revoked' });
    expect(await verifier.verify(upper.token)).toMatchObject({ reason: 'revoked' });
  });

  it('runs the revocation checks before the policies (a revoked token is revoked, not rate limited)', async () => {
    const index = new RevocationIndex();
    const verifier = verifierFor(issuer, { revocations: index, policies: { rateLimit: { limit: 1 } } });
    const { token, jti } = await issuer.accessToken();
    await verifier.verify(token);
    index.apply(`jti.${jti}`, { exp: 1, reason: 'x', revokedAt: 1 }, meta);
    expect(await verifier.verify(token, { scopes: ['ADMIN_SYSTEM'], userAgent: 'other' })).toMatchObject({ reason: 'revoked' });
  });
});

describe('policies', () => {
  it('required scopes: all of `scopes`, one of `anyScope`', async () => {
    const verifier = verifierFor(issuer);
    const { token } = await issuer.accessToken({ scopes: ['READ_PROFILE', 'READ_TOKENS'] });
    expect(await verifier.verify(token, { scopes: ['READ_PROFILE', 'READ_TOKENS'] })).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { scopes: ['READ_PROFILE', 'WRITE_PROFILE'] })).toMatchObject({ ok: false, reason: 'insufficient_scope' });
    expect(await verifier.verify(token, { anyScope: ['ADMIN_TOKENS', 'READ_TOKENS'] })).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { anyScope: ['ADMIN_TOKENS', 'ADMIN_SYSTEM'] })).toMatchObject({ ok: false, reason: 'insufficient_scope' });
  });

  it('device binding: another User-Agent → device_mismatch; an IP change is allowed and reported', async () => {
    const changes: unknown[] = [];
    const verifier = verifierFor(issuer, { policies: { onIpChange: (c) => changes.push(c) } });
    const { token, jti, userId } = await issuer.accessToken({ userAgent: UA });
    expect(await verifier.verify(token, { userAgent: UA, clientIp: '203.0.113.7' })).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { userAgent: 'curl/8.5.0', clientIp: '203.0.113.7' })).toMatchObject({ ok: false, reason: 'device_mismatch' });
    expect(await verifier.verify(token, { clientIp: '203.0.113.7' })).toMatchObject({ ok: false, reason: 'device_mismatch' });
    expect(await verifier.verify(token, { userAgent: UA, clientIp: '198.51.100.9' })).toMatchObject({ ok: true });
    expect(changes).toEqual([{ tokenId: jti, userId, previousIp: '203.0.113.7', clientIp: '198.51.100.9' }]);
  });

  it('device binding: a token issued without a User-Agent matches requests without one', async () => {
    const verifier = verifierFor(issuer);
    const { token } = await issuer.accessToken({ userAgent: '' });
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { userAgent: UA })).toMatchObject({ ok: false, reason: 'device_mismatch' });
  });

  it('device binding can be turned off', async () => {
    const verifier = verifierFor(issuer, { policies: { deviceBinding: false } });
    const { token } = await issuer.accessToken({ userAgent: UA });
    expect(await verifier.verify(token, { userAgent: 'curl/8.5.0' })).toMatchObject({ ok: true });
  });

  it('geo: a restricted token needs a listed country; unrestricted tokens go anywhere', async () => {
    const verifier = verifierFor(issuer);
    const { token } = await issuer.accessToken({ countries: ['FR', 'DE'] });
    expect(await verifier.verify(token, { country: 'FR' })).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { country: 'de' })).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { country: 'US' })).toMatchObject({ ok: false, reason: 'geo_blocked' });
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'geo_blocked' });
    const { token: anywhere } = await issuer.accessToken();
    expect(await verifier.verify(anywhere, { country: 'US' })).toMatchObject({ ok: true });
  });

  it('geo: admin tokens bypass only when configured', async () => {
    const { token } = await issuer.accessToken({ countries: ['FR'], scopes: ['ADMIN_TOKENS'] });
    expect(await verifierFor(issuer).verify(token, { country: 'US' })).toMatchObject({ ok: false, reason: 'geo_blocked' });
    expect(await verifierFor(issuer, { policies: { geo: { adminBypass: true } } }).verify(token, { country: 'US' })).toMatchObject({ ok: true });
    const { token: user } = await issuer.accessToken({ countries: ['FR'] });
    expect(await verifierFor(issuer, { policies: { geo: { adminBypass: true } } }).verify(user, { country: 'US' })).toMatchObject({ ok: false, reason: 'geo_blocked' });
  });

  it('rate limit: the (limit+1)-th call in a rolling window → rate_limited with Retry-After, per token', async () => {
    let now = Date.now();
    const verifier = verifierFor(issuer, { now: () => now, policies: { rateLimit: { limit: 60 } } });
    const { token } = await issuer.accessToken({ issuedAtMs: now });
    const { token: other } = await issuer.accessToken({ issuedAtMs: now });
    for (let i = 0; i < 60; i++) {
      expect(await verifier.verify(token)).toMatchObject({ ok: true });
      now += 500; // 60 calls spread over 30 s
    }
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: 'rate_limited', retryAfterSeconds: 30, claims: expect.any(Object) });
    expect(await verifier.verify(other)).toMatchObject({ ok: true });
    now += 30_000; // the first call leaves the window
    expect(await verifier.verify(token)).toMatchObject({ ok: true });
    expect(await verifier.verify(token)).toMatchObject({ ok: false, reason: 'rate_limited', retryAfterSeconds: 1 });
  });

  it('policies are checked on every call, cached or not', async () => {
    const verifier = verifierFor(issuer);
    const { token } = await issuer.accessToken({ userAgent: UA, scopes: ['READ_PROFILE'] });
    expect(await verifier.verify(token, { userAgent: UA })).toMatchObject({ ok: true });
    expect(await verifier.verify(token, { userAgent: UA, scopes: ['WRITE_PROFILE'] })).toMatchObject({ reason: 'insufficient_scope' });
    expect(await verifier.verify(token, { userAgent: 'x' })).toMatchObject({ reason: 'device_mismatch' });
    expect(await verifier.verify(token, { userAgent: UA })).toMatchObject({ ok: true });
  });
});

describe('remote key set', () => {
  it('refreshes on an unknown kid, at most once per cooldown', async () => {
    const server = await serveJwks(issuer.jwks);
    try {
      const verifier = createVerifier({ jwksUrl: server.url, issuer: issuer.issuer, audience: issuer.audience, jwks: { unknownKidCooldownMs: 60_000 } });
      open.push(verifier);
      await verifier.ready();
      const fetchedAtStart = server.requests();
      const rotated = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience });
      const { token: unknown } = await rotated.accessToken();
      for (let i = 0; i < 20; i++) expect(await verifier.verify(unknown)).toMatchObject({ reason: 'unknown_kid' });
      expect(server.requests() - fetchedAtStart).toBeLessThanOrEqual(1);
    } finally {
      await server.close();
    }
  });

  it('picks up a rotated key on first use, and drops tokens of a withdrawn key even from the cache', async () => {
    const server = await serveJwks(issuer.jwks);
    try {
      const verifier = createVerifier({ jwksUrl: server.url, issuer: issuer.issuer, audience: issuer.audience, jwks: { unknownKidCooldownMs: 0 } });
      open.push(verifier);
      await verifier.ready();
      const { token: old } = await issuer.accessToken();
      expect(await verifier.verify(old)).toMatchObject({ ok: true });
      const next = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience });
      server.setKeys(next.jwks);
      const { token: fresh } = await next.accessToken();
      expect(await verifier.verify(fresh)).toMatchObject({ ok: true });
      expect(await verifier.verify(old)).toMatchObject({ ok: false, reason: 'unknown_kid' });
    } finally {
      await server.close();
    }
  });

  it('says keys_unavailable, not unknown_kid, while the key set has never loaded', async () => {
    const server = await serveJwks(issuer.jwks);
    const url = server.url;
    await server.close();
    const verifier = createVerifier({ jwksUrl: url, issuer: issuer.issuer, audience: issuer.audience, jwks: { fetchTimeoutMs: 500 } });
    open.push(verifier);
    const { token } = await issuer.accessToken();
    expect(await verifier.verify(token)).toEqual({ ok: false, reason: 'keys_unavailable' });
    await expect(verifier.ready(300)).rejects.toThrow(/could not be loaded/);
  });

  it('does not turn every request into a JWKS fetch while the JWKS is down', async () => {
    const server = await serveJwks(issuer.jwks);
    const url = server.url;
    await server.close();
    let fetches = 0;
    const verifier = createVerifier({ jwksUrl: url, issuer: issuer.issuer, audience: issuer.audience, fetch: (input, init) => (fetches++, fetch(input, init)) });
    open.push(verifier);
    const { token } = await issuer.accessToken();
    for (let i = 0; i < 50; i++) expect(await verifier.verify(token)).toMatchObject({ reason: 'keys_unavailable' });
    expect(fetches).toBeLessThanOrEqual(2);
  });
});

describe('algorithms', () => {
  it.each(['EdDSA', 'RS256'] as const)('%s tokens verify when the algorithm is configured, and only then', async (alg) => {
    const other = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience, alg });
    const { token } = await other.accessToken();
    expect(await verifierFor(other, { algorithms: [alg] }).verify(token)).toMatchObject({ ok: true });
    expect(await verifierFor(other).verify(token)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });
});

describe('options', () => {
  it.each([
    [{ issuer: '' }, /option issuer/],
    [{ audience: [] }, /option audience/],
    [{ algorithms: ['HS256'] }, /option algorithms\.0/],
    [{ algorithms: ['none'] }, /option algorithms\.0/],
    [{ jwksUrl: 'file:///etc/passwd', keys: undefined }, /option jwksUrl/],
    [{ jwksUrl: 'http://x.test/jwks' }, /jwksUrl\/keys: give exactly one/],
    [{ policies: { rateLimit: { limit: 0 } } }, /option policies\.rateLimit\.limit/],
    [{ revocation: { whenStale: 'sometimes' } }, /option revocation\.whenStale/],
  ])('%j is refused with a TypeError naming the option', (bad, message) => {
    expect(() => createVerifier({ keys: issuer.jwks, issuer: issuer.issuer, audience: issuer.audience, ...(bad as object) })).toThrow(message);
    expect(() => createVerifier({ keys: issuer.jwks, issuer: issuer.issuer, audience: issuer.audience, ...(bad as object) })).toThrow(TypeError);
  });
});

it('uuid v7 helper stamps the jti with the issue instant (the notBefore comparison relies on it)', () => {
  expect(uuidv7({ msecs: 1_768_471_200_123 }).slice(0, 14)).toBe('019bc119-017b-');
});

it('reads the issue instant from the jti exactly as contracts does', async () => {
  const { uuidV7Timestamp } = await import('@tessera/contracts');
  const { tokenFacts, AccessTokenClaims } = await import('./claims.js');
  const { token, jti } = await issuer.accessToken({ issuedAtMs: 1_768_471_200_123 });
  const claims = AccessTokenClaims.parse(JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!))));
  expect(tokenFacts(claims).issuedAtMs).toBe(uuidV7Timestamp(jti));
  expect(tokenFacts(claims).issuedAtMs).toBe(1_768_471_200_123);
});
