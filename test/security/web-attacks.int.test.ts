import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { INTROSPECTION_CLIENT, UA } from './support/surfaces.js';

/*
 * Web attacks on the services' HTTP surface: header injection through the one header we echo
 * (x-request-id), request smuggling shapes, body size, and the login rate limits (per email and
 * per client address). SQL injection and login timing have files of their own.
 */
let system: TestSystem;
let client: ApiClient;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  system = await startSystem({
    with: ['revocation', 'notifier', 'audit'],
    env: { LOGIN_MAX_FAILURES: '5', LOGIN_IP_MAX_FAILURES: '12', INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}` },
  });
  client = new ApiClient(system.url['token-api'], UA);
});
afterAll(async () => {
  await system?.stop();
});

/** One raw HTTP/1.1 exchange, bytes as given: what fetch would refuse to send. */
function raw(base: string, request: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: hostname, port: Number(port) });
    let data = '';
    socket.setTimeout(5_000, () => {
      socket.destroy();
      resolve(data);
    });
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('end', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
    socket.write(Buffer.from(request, 'latin1'));
  });
}

const headersOf = (response: string) => response.split('\r\n\r\n')[0]!.split('\r\n');
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('header injection', () => {
  const services = ['token-api', 'audit', 'revocation', 'notifier'] as const;
  const paths = ['/.well-known/jwks.json', '/health/live', '/oauth2/introspect', '/api/v1/auth/login'];

  it('never echoes an x-request-id that could split a header, carry markup or grow unbounded', async () => {
    const hostile = ['abc%0d%0aSet-Cookie:%20pwned=1', 'abc\tSet-Cookie: x', '<script>alert(1)</script>', 'x'.repeat(8_000), "'; drop table users; --", '../../etc/passwd', 'ok-id\u00e9'];
    for (const service of services) {
      for (const path of paths) {
        for (const id of hostile) {
          const res = await raw(system.url[service], `GET ${path} HTTP/1.1\r\nHost: x\r\nUser-Agent: ${UA}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n`);
          const status = statusOf(res);
          expect(status, `${service} ${path} ${id.slice(0, 40)}`).toBeGreaterThanOrEqual(200);
          expect(status, `${service} ${path}`).toBeLessThan(500);
          const echoed = headersOf(res).find((h) => /^x-request-id:/i.test(h));
          if (echoed) {
            expect(echoed).toMatch(/^x-request-id: [A-Za-z0-9._:-]{1,128}$/i);
            expect(echoed.toLowerCase()).not.toContain('cookie');
          }
          expect(headersOf(res).some((h) => /^set-cookie:/i.test(h))).toBe(false);
        }
      }
    }
  });

  it('refuses bare CR, bare LF and obs-fold in header values at the parser (400), before any route runs', async () => {
    for (const service of services) {
      for (const bad of ['X-Request-Id: a\rSet-Cookie: pwned=1', 'X-Request-Id: a\nSet-Cookie: pwned=1', 'X-Request-Id: a\r\n Set-Cookie: pwned=1']) {
        const res = await raw(system.url[service], `GET /health/live HTTP/1.1\r\nHost: x\r\n${bad}\r\nConnection: close\r\n\r\n`);
        expect(statusOf(res), `${service}: ${JSON.stringify(bad)}`).toBe(400);
        expect(res).not.toMatch(/set-cookie/i);
      }
    }
  });

  it('refuses request-smuggling shapes: Content-Length with Transfer-Encoding, two Content-Lengths', async () => {
    const body = '{"email":"a@example.com","password":"x"}';
    const shapes = [
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /api/v1/admin HTTP/1.1\r\n\r\n`,
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 5\r\nConnection: close\r\n\r\n${body}`,
    ];
    for (const shape of shapes) {
      const res = await raw(system.url['token-api'], shape);
      expect(statusOf(res)).toBe(400);
      // One answer only: nothing smuggled behind it.
      expect(res.match(/HTTP\/1\.1 \d{3}/g)).toHaveLength(1);
    }
  });

  it('a header block over 16 KiB is refused with 431, never a crash', async () => {
    const res = await fetch(`${system.url['token-api']}/api/v1/auth/tokens/active`, { headers: { authorization: `Bearer ${'a'.repeat(20_000)}`, 'user-agent': UA } });
    expect(res.status).toBe(431);
    expect((await fetch(`${system.url['token-api']}/health/live`)).status).toBe(200);
  });
});

describe('body size', () => {
  const jsonRoutes: Array<[string, string, keyof TestSystem['url']]> = [
    ['POST', '/api/v1/users', 'token-api'],
    ['POST', '/api/v1/auth/login', 'token-api'],
    ['POST', '/api/v1/auth/refresh', 'token-api'],
    ['POST', '/oauth2/introspect', 'token-api'],
    ['POST', '/oauth2/revoke', 'token-api'],
    ['POST', '/api/v1/audit/rebuild', 'audit'],
    ['POST', '/api/v1/auth/tokens/blacklist/cleanup', 'revocation'],
  ];

  it('answers 413 problem to a body over 16 KiB on every route that reads one (401 where the bearer check comes first)', async () => {
    for (const [method, path, service] of jsonRoutes) {
      for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
        const big = type === 'application/json' ? JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(17 * 1024) }) : `token=${'x'.repeat(17 * 1024)}`;
        const res = await fetch(`${system.url[service]}${path}`, { method, headers: { 'content-type': type, 'user-agent': UA }, body: big });
        // Routes behind a bearer check may refuse before reading the body (401): also a 4xx.
        expect([413, 401], `${method} ${path} ${type}`).toContain(res.status);
        if (res.status === 413) expect(res.headers.get('content-type')).toMatch(/^application\/(problem\+)?json/);
      }
    }
  });

  it('does not buffer an endless chunked body: 413 once past the limit', async () => {
    const chunk = `{"email":"a@example.com","password":"${'x'.repeat(4_000)}`;
    let request = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n';
    for (let i = 0; i < 64; i++) request += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    request += '0\r\n\r\n';
    const res = await raw(system.url['token-api'], request);
    expect(statusOf(res)).toBe(413);
  });

  it('refuses deeply nested JSON quickly and cleanly', async () => {
    const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const started = performance.now();
    const res = await fetch(`${system.url['token-api']}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA }, body: deep });
    expect(res.status).toBe(400);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('login rate limits', () => {
  it('locks an email after 5 failures (429 account_locked + Retry-After, even with the right password), the same for an unknown email', async () => {
    const email = `locked-${Date.now()}@example.com`;
    await client.register(email, PASSWORD);
    const ip = { 'x-forwarded-for': '198.51.100.10' };
    for (let i = 0; i < 5; i++) expect((await client.call('POST', '/api/v1/auth/login', { body: { email, password: 'wrong password!' }, headers: ip })).status).toBe(401);
    const locked = await client.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD }, headers: ip });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);

    const unknown = `nobody-${Date.now()}@example.com`;
    const ip2 = { 'x-forwarded-for': '198.51.100.11' };
    for (let i = 0; i < 5; i++) expect((await client.call('POST', '/api/v1/auth/login', { body: { email: unknown, password: 'wrong password!' }, headers: ip2 })).status).toBe(401);
    const unknownLocked = await client.call('POST', '/api/v1/auth/login', { body: { email: unknown, password: 'wrong password!' }, headers: ip2 });
    expect(unknownLocked.status).toBe(429);
    expect(unknownLocked.body.code).toBe('account_locked');
  });

  it('throttles one client address after 12 failures across many emails (429 rate_limited), not the others', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    for (let i = 0; i < 12; i++) {
      const res = await client.call('POST', '/api/v1/auth/login', { body: { email: `spray-${i}-${Date.now()}@example.com`, password: 'Winter2026!' }, headers: attacker });
      expect(res.status).toBe(401);
    }
    const throttled = await client.call('POST', '/api/v1/auth/login', { body: { email: `spray-x-${Date.now()}@example.com`, password: 'Winter2026!' }, headers: attacker });
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('rate_limited');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);

    const email = `bystander-${Date.now()}@example.com`;
    await client.register(email, PASSWORD);
    expect((await client.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.67' } })).status).toBe(200);
  });

  it('a spoofed X-Forwarded-For from outside the trusted proxy range does not reset the throttle (only loopback is trusted)', async () => {
    // Our requests come from loopback, the trusted proxy; the right-most untrusted address counts.
    const chain = { 'x-forwarded-for': '10.9.9.9, 203.0.113.66' };
    const res = await client.call('POST', '/api/v1/auth/login', { body: { email: `spray-y-${Date.now()}@example.com`, password: 'Winter2026!' }, headers: chain });
    expect(res.status).toBe(429);
  });
});
