import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenStats } from '@tessera/contracts';
import { FIXED_NOW_MS } from '@tessera/contracts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAMILY_A, token } from '../testing/tokens.js';
import { ApiError } from './failure.js';
import { call } from './http.js';
import { createTesseraApi } from './tessera-api.js';

/*
 * A real HTTP server scripted per path, so the client's requests are seen as sent and its
 * parsing meets real responses (status lines, headers, bodies), as from the gateway.
 */
type Reply = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
const routes = new Map<string, (req: IncomingMessage, body: string) => Reply>();
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let server: Server;
let baseUrl: string;

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  body: JSON.stringify(value),
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const route = routes.get(`${req.method} ${(req.url ?? '').split('?')[0]}`);
      const reply = route ? route(req, body) : json(404, { type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found' });
      setTimeout(() => {
        res.writeHead(reply.status, reply.headers);
        res.end(reply.body);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const stats = { total: 2, byType: { ACCESS: 1, REFRESH: 1 }, byStatus: { ACTIVE: 2, EXPIRED: 0, REVOKED: 0 }, byDevice: { desktop: 2 } };

describe('call', () => {
  it('sends the bearer token and JSON, and returns the body checked against the schema', async () => {
    routes.set('POST /echo', () => json(200, stats));
    const result = await call({ baseUrl }, { method: 'POST', path: '/echo', body: { a: 1 }, accessToken: 'tok', query: { x: 'y', none: undefined }, schema: TokenStats });
    expect(result).toEqual(stats);
    const request = seen.at(-1)!;
    expect(request.url).toBe('/echo?x=y');
    expect(request.headers.authorization).toBe('Bearer tok');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.cookie).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual({ a: 1 });
  });

  it('refuses a 2xx body that breaks the contract', async () => {
    routes.set('GET /bad', () => json(200, { ...stats, total: -1 }));
    await expect(call({ baseUrl }, { method: 'GET', path: '/bad', schema: TokenStats })).rejects.toMatchObject({ failure: { kind: 'unexpected_response' }, status: 200 });
  });

  it('turns a problem with Retry-After into a failure with the instant to wait for', async () => {
    routes.set('POST /locked', () => json(429, { type: 'about:blank', title: 'Too Many Requests', status: 429, code: 'account_locked' }, { 'retry-after': '840' }));
    const error = await call({ baseUrl, now: () => FIXED_NOW_MS }, { method: 'POST', path: '/locked', body: {}, schema: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).failure).toEqual({ kind: 'locked', retryAt: FIXED_NOW_MS + 840_000 });
  });

  it('copes with an error page that is not JSON (a proxy in front)', async () => {
    routes.set('GET /html', () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad Gateway</h1>' }));
    await expect(call({ baseUrl }, { method: 'GET', path: '/html', schema: null })).rejects.toMatchObject({ failure: { kind: 'unavailable' } });
  });

  it('reports the network when nothing answers, or nothing answers in time', async () => {
    await expect(call({ baseUrl: 'http://127.0.0.1:1' }, { method: 'GET', path: '/', schema: null })).rejects.toMatchObject({ failure: { kind: 'network' } });
    routes.set('GET /slow', () => ({ ...json(200, stats), delayMs: 500 }));
    await expect(call({ baseUrl, timeoutMs: 50 }, { method: 'GET', path: '/slow', schema: TokenStats })).rejects.toMatchObject({ failure: { kind: 'network' } });
  });
});

describe('createTesseraApi', () => {
  it('checks the sign-in form against the contract before sending anything', async () => {
    const before = seen.length;
    const api = createTesseraApi({ baseUrl });
    expect(() => api.login({ email: 'ann', password: '' })).toThrow(ApiError);
    try {
      api.login({ email: 'ann', password: '' });
    } catch (error) {
      expect((error as ApiError).failure).toEqual({
        kind: 'validation',
        fields: [
          { path: 'email', message: 'is not a valid email address' },
          { path: 'password', message: 'is required' },
        ],
      });
    }
    expect(seen.length).toBe(before);
  });

  it('reads every page of active tokens, passing the cursor along', async () => {
    const first = token({ familyId: FAMILY_A });
    const second = token({ familyId: FAMILY_A, tokenType: 'ACCESS' });
    routes.set('GET /api/v1/auth/tokens/active', (req) => {
      const cursor = new URL(req.url ?? '', baseUrl).searchParams.get('cursor');
      return cursor === null ? json(200, { items: [first], nextCursor: 'page2' }) : json(200, { items: [second], nextCursor: null });
    });
    const api = createTesseraApi({ baseUrl });
    await expect(api.activeTokens('tok')).resolves.toEqual([first, second]);
    const urls = seen.slice(-2).map((r) => r.url);
    expect(urls).toEqual(['/api/v1/auth/tokens/active?limit=100', '/api/v1/auth/tokens/active?limit=100&cursor=page2']);
  });

  it('looks a user up by normalised email, and answers null for an unknown id', async () => {
    const user = { id: '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f', email: 'ann@example.org', role: 'user', createdAt: new Date(FIXED_NOW_MS).toISOString() };
    routes.set('GET /api/v1/users', () => json(200, { items: [user], nextCursor: null }));
    const api = createTesseraApi({ baseUrl });
    await expect(api.findUserByEmail('tok', ' Ann@Example.org ')).resolves.toEqual(user);
    expect(seen.at(-1)!.url).toBe('/api/v1/users?email=ann%40example.org');
    await expect(api.getUser('tok', 'c0ffee00-1234-4abc-8def-0123456789ab')).resolves.toBeNull();
  });

  it('sends the revocation reason in the body, never in the URL', async () => {
    const tokenId = token({ familyId: FAMILY_A }).tokenId;
    routes.set(`DELETE /api/v1/auth/tokens/${tokenId}`, () => json(200, { tokenId, revoked: true, revokedCount: 2 }));
    const api = createTesseraApi({ baseUrl });
    await expect(api.revokeToken('tok', tokenId, 'Lost phone')).resolves.toEqual({ tokenId, revoked: true, revokedCount: 2 });
    expect(seen.at(-1)!.url).toBe(`/api/v1/auth/tokens/${tokenId}`);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ reason: 'Lost phone' });
    expect(() => api.revokeToken('tok', '../../users', 'x')).toThrow();
  });
});
