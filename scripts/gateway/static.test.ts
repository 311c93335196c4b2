import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from './gateway.js';

/*
 * A built front end on disk (index.html, a hashed script and stylesheet) next to a secret file
 * outside it, served by the real gateway with a real upstream for the API routes.
 */
let root: string;
let gateway: Server;
let upstream: Server;
let base: string;

const INDEX = '<!doctype html><html><head><script type="module" src="/account/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tessera-static-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("hi")');
  writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body{color:#111}');
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dist, '.env'), 'SECRET=dotfile');
  writeFileSync(join(root, 'secret.txt'), 'outside the site');

  upstream = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ upstream: 'token-api', url: req.url }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  gateway = createGateway({
    routes: [{ prefix: '/api/v1/', upstream: 'token-api' }],
    targets: { 'token-api': [`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`] },
    staticSites: [{ prefix: '/account', dir: dist }],
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});

afterAll(() => {
  gateway?.close();
  upstream?.close();
  rmSync(root, { recursive: true, force: true });
});

/** fetch() normalises `..` away before sending; this sends the path exactly as written. */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static site at /account', () => {
  it('serves index.html at the prefix, with and without the slash, with the page security headers', async () => {
    for (const path of ['/account', '/account/']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html;charset=utf-8');
      expect(await res.text()).toBe(INDEX);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('falls back to index.html for client routes, so a reload on /account/admin works', async () => {
    for (const path of ['/account/admin', '/account/admin/', '/account/sessions/123?x=1']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves assets with their content types and caches hashed ones for good', async () => {
    const js = await fetch(`${base}/account/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("hi")');
    const css = await fetch(`${base}/account/assets/index-abc123.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const svg = await fetch(`${base}/account/favicon.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers a conditional request with 304', async () => {
    const first = await fetch(`${base}/account/assets/index-abc123.js`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${base}/account/assets/index-abc123.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it('answers a missing asset with a 404 problem, not the page', async () => {
    const res = await fetch(`${base}/account/assets/missing-1.js`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('never reads outside its directory, nor dotfiles inside it', async () => {
    for (const path of [
      '/account/../secret.txt',
      '/account/%2e%2e/secret.txt',
      '/account/%2e%2e%2fsecret.txt',
      '/account/assets/../../secret.txt',
      '/account/..%5csecret.txt',
      '/account/.env',
    ]) {
      const res = await rawGet(path);
      expect(res.body, path).not.toContain('outside the site');
      expect(res.body, path).not.toContain('SECRET');
      expect([200, 404], path).toContain(res.status);
      if (res.status === 200) expect(res.body, path).toBe(INDEX);
    }
  });

  it('refuses other methods', async () => {
    const res = await fetch(`${base}/account/`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leaves other paths to the routes: a look-alike prefix is not the site', async () => {
    const api = (await (await fetch(`${base}/api/v1/auth/login`)).json()) as { upstream: string };
    expect(api.upstream).toBe('token-api');
    const lookalike = await fetch(`${base}/accounting`);
    expect(lookalike.status).toBe(404);
    expect(lookalike.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses to start on a directory that holds no build', () => {
    expect(() => createGateway({ routes: [], targets: {}, staticSites: [{ prefix: '/account', dir: join(root, 'nowhere') }] })).toThrow(
      /no index\.html/,
    );
  });
});
