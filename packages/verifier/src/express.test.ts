// The middleware on a real node:http server (Express calls it the same way: req, res, next).
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequireToken, failureResponse, type AuthenticatedRequest } from './express.js';
import { RevocationIndex } from './revocation/index-state.js';
import { createTestIssuer } from './testing/index.js';
import { createVerifier } from './verifier.js';
import { VERIFY_FAILURE_REASONS } from './reasons.js';

const issuer = await createTestIssuer();
const revocations = new RevocationIndex();
const verifier = createVerifier({ keys: issuer.jwks, issuer: issuer.issuer, audience: issuer.audience, revocations, policies: { rateLimit: { limit: 2 } } });
const refused: string[] = [];
const requireToken = createRequireToken(verifier, { countryHeader: 'X-Country', onRefused: (_req, result) => refused.push(result.reason) });
let server: Server;
let base: string;

beforeAll(async () => {
  const guard = requireToken({ scopes: ['READ_TOKENS'] });
  server = createServer((req, res) => {
    guard(req, res, (error) => {
      if (error) {
        res.statusCode = 500;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sub: (req as AuthenticatedRequest).auth.claims.sub, scopes: (req as AuthenticatedRequest).auth.scopes }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await verifier.close();
  await new Promise((resolve) => server.close(resolve));
});

const call = (headers: Record<string, string>) => fetch(`${base}/x`, { headers: { 'user-agent': 'test-agent', ...headers } });

describe('requireToken', () => {
  it('passes a valid token through with its claims on req.auth', async () => {
    const { token, userId } = await issuer.accessToken({ scopes: ['READ_TOKENS'], userAgent: 'test-agent' });
    const res = await call({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sub: userId, scopes: ['READ_TOKENS'] });
  });

  it('answers 401 with a Bearer challenge when there is no bearer token', async () => {
    for (const headers of [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer' }] as Array<Record<string, string>>) {
      const res = await call(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 401, code: 'unauthorized', reason: 'missing_token' });
    }
  });

  it('answers 401 invalid_token for a revoked token, 403 for a missing scope or another country, 429 past the limit', async () => {
    const revoked = await issuer.accessToken({ scopes: ['READ_TOKENS'], userAgent: 'test-agent' });
    revocations.apply(`jti.${revoked.jti}`, { exp: revoked.exp, reason: 'test', revokedAt: Date.now() }, { revision: 1, writtenAt: Date.now(), ttlMs: 60_000 });
    let res = await call({ authorization: `Bearer ${revoked.token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toMatchObject({ code: 'invalid_token', reason: 'revoked' });

    const narrow = await issuer.accessToken({ scopes: ['READ_PROFILE'], userAgent: 'test-agent' });
    res = await call({ authorization: `Bearer ${narrow.token}` });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="READ_TOKENS"');

    const french = await issuer.accessToken({ scopes: ['READ_TOKENS'], userAgent: 'test-agent', countries: ['FR'] });
    expect((await call({ authorization: `Bearer ${french.token}`, 'x-country': 'FR' })).status).toBe(200);
    res = await call({ authorization: `Bearer ${french.token}`, 'x-country': 'US' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ reason: 'geo_blocked' });

    const busy = await issuer.accessToken({ scopes: ['READ_TOKENS'], userAgent: 'test-agent' });
    await call({ authorization: `Bearer ${busy.token}` });
    await call({ authorization: `Bearer ${busy.token}` });
    res = await call({ authorization: `Bearer ${busy.token}` });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(59);
    expect(refused).toEqual(expect.arrayContaining(['revoked', 'insufficient_scope', 'geo_blocked', 'rate_limited']));
  });
});

describe('failureResponse', () => {
  it('maps every reason to 401, 403, 429 or 503 with the matching problem code', () => {
    const statuses = Object.fromEntries(VERIFY_FAILURE_REASONS.map((r) => [r, failureResponse(r).status]));
    expect(statuses).toEqual({
      malformed: 401, keys_unavailable: 503, unknown_kid: 401, bad_signature: 401, expired: 401, not_yet_valid: 401,
      wrong_issuer: 401, wrong_audience: 401, revoked: 401, session_revoked: 401, user_revoked: 401,
      revocation_state_stale: 503, insufficient_scope: 403, device_mismatch: 401, geo_blocked: 403, rate_limited: 429,
    });
    expect(failureResponse('revocation_state_stale').headers).toEqual({ 'Retry-After': '1' });
  });
});
