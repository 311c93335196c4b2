import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceVerifier, verifierConfigShape } from './service-config.js';
import { createTestIssuer, serveJwks } from './testing/index.js';

const Config = z.object(verifierConfigShape);

describe('verifierConfigShape', () => {
  it('defaults to the local token-api and refuses what a service must not start with', () => {
    expect(Config.parse({})).toEqual({ JWKS_URL: 'http://127.0.0.1:9101/.well-known/jwks.json', JWT_ISSUER: 'http://localhost:9003', JWT_AUDIENCE: 'tessera', JWT_ALG: 'ES256' });
    for (const bad of [{ JWKS_URL: 'file:///etc/passwd' }, { JWKS_URL: 'not a url' }, { JWT_ALG: 'HS256' }, { JWT_ALG: 'none' }, { JWT_ISSUER: '' }, { JWT_AUDIENCE: 'x'.repeat(257) }]) {
      expect(Config.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('createServiceVerifier', () => {
  it('verifies tokens of the configured issuer, audience and algorithm', async () => {
    const issuer = await createTestIssuer({ alg: 'EdDSA' });
    const jwks = await serveJwks(issuer.jwks);
    const config = Config.parse({ JWKS_URL: jwks.url, JWT_ISSUER: issuer.issuer, JWT_AUDIENCE: issuer.audience, JWT_ALG: 'EdDSA' });
    const verifier = createServiceVerifier(config, { logger: { warn: () => undefined } });
    try {
      const { token, userId } = await issuer.accessToken({ userAgent: 'test' });
      expect(await verifier.verify(token, { userAgent: 'test' })).toMatchObject({ ok: true, claims: { sub: userId } });
      const other = await createTestIssuer({ alg: 'EdDSA', issuer: issuer.issuer, audience: 'someone-else', kid: issuer.kid });
      expect((await verifier.verify((await other.accessToken({ userAgent: 'test' })).token, { userAgent: 'test' })).ok).toBe(false);
    } finally {
      await verifier.close();
      await jwks.close();
    }
  });

  it('logs a key set that cannot be loaded as a warning, and still hands every event on', async () => {
    const issuer = await createTestIssuer();
    const warnings: Array<[object, string]> = [];
    const events: string[] = [];
    const config = Config.parse({ JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json', JWT_ISSUER: issuer.issuer, JWT_AUDIENCE: issuer.audience });
    const verifier = createServiceVerifier(config, { logger: { warn: (fields, message) => void warnings.push([fields, message]) }, onEvent: (e) => void events.push(e.type) });
    try {
      const result = await verifier.verify((await issuer.accessToken({ userAgent: 'test' })).token, { userAgent: 'test' });
      expect(result.ok).toBe(false);
      expect(warnings.map(([, m]) => m)).toContain('verification keys could not be loaded');
      expect(events).toContain('keys_load_failed');
    } finally {
      await verifier.close();
    }
  });
});
