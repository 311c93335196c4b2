import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { parseAllDocuments } from 'yaml';
import { CONF_PATH, INGRESS_PATH, renderIngress, renderNginxConfig } from '../../deploy/nginx/generate.js';
import { loadRoutes, matchRoute } from '../../scripts/gateway/routes.js';
import { ensureTool, run } from './tools.js';

const routes = loadRoutes();

/** A main nginx.conf around a conf.d file, everything under one temporary prefix. */
function mainConfig(prefix: string, include: string): string {
  return [
    'worker_processes 1;',
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/error.log warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  include /etc/nginx/mime.types;`,
    `  access_log ${prefix}/access.log;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${prefix}/${t};`),
    `  include ${include};`,
    '}',
    '',
  ].join('\n');
}

describe('deploy/nginx/tessera.conf and deploy/k8s/base/ingress.yaml', () => {
  it('are what deploy/nginx/generate.ts makes of deploy/gateway/routes.json', () => {
    expect(readFileSync(CONF_PATH, 'utf8'), 'run: pnpm exec tsx deploy/nginx/generate.ts').toBe(renderNginxConfig(routes));
    expect(readFileSync(INGRESS_PATH, 'utf8'), 'run: pnpm exec tsx deploy/nginx/generate.ts').toBe(renderIngress(routes));
  });

  it('pass nginx -t as committed, with the service names resolving as in compose', () => {
    const nginx = ensureTool('nginx', 'nginx');
    const prefix = mkdtempSync(join(tmpdir(), 'tessera-nginx-t-'));
    try {
      writeFileSync(join(prefix, 'nginx.conf'), mainConfig(prefix, CONF_PATH.pathname));
      // nginx resolves upstream host names when it loads the file. Compose's DNS is not here, so
      // the test gives nginx a private /etc/hosts in its own mount namespace (root only, as CI is).
      const names = Object.keys(routes.upstreams).join(' ');
      writeFileSync(join(prefix, 'hosts'), `127.0.0.1 localhost\n127.0.0.1 ${names}\n`);
      const script = `mount --bind ${prefix}/hosts /etc/hosts && exec ${nginx} -t -p ${prefix} -c ${prefix}/nginx.conf -e ${prefix}/error.log`;
      const result = run('unshare', ['--mount', 'sh', '-c', script]);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toContain('test is successful');
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  it('route WebSocket paths in their own Ingress and size-limit bodies like nginx', () => {
    const docs = parseAllDocuments(readFileSync(INGRESS_PATH, 'utf8')).map((d) => d.toJS() as { metadata: { name: string; annotations: Record<string, string> }; spec: { rules: { http: { paths: { path: string; backend: { service: { name: string; port: { number: number } } } }[] } }[] } });
    const paths = docs.flatMap((d) => d.spec.rules.flatMap((r) => r.http.paths.map((p) => ({ ingress: d.metadata.name, ...p }))));
    for (const route of routes.routes) {
      const entry = paths.find((p) => p.path === route.prefix);
      expect(entry?.backend.service.name, route.prefix).toBe(route.upstream);
      expect(entry?.backend.service.port.number).toBe(routes.upstreams[route.upstream]!.port);
      expect(entry?.ingress).toBe(route.websocket ? 'tessera-websocket' : 'tessera');
    }
    for (const doc of docs) expect(doc.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('16k');
  });
});

describe('nginx running the generated configuration', () => {
  const upstreamServers: Server[] = [];
  let nginx: ChildProcess | undefined;
  let prefix = '';
  let edge = '';

  beforeAll(async () => {
    const binary = ensureTool('nginx', 'nginx');
    prefix = mkdtempSync(join(tmpdir(), 'tessera-nginx-'));
    // nginx's workers drop root for nobody/www-data: they must read the static files and write
    // the body buffers under this (mkdtemp makes it 0700).
    chmodSync(prefix, 0o755);
    // One echo server per upstream: it answers which upstream got the request, and with what.
    const ports: Record<string, number> = {};
    for (const name of Object.keys(routes.upstreams)) {
      const server = createServer((req, res) => {
        let size = 0;
        req.on('data', (chunk: Buffer) => (size += chunk.length));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ upstream: name, url: req.url, headers: req.headers, size }));
        });
      });
      const wss = new WebSocketServer({ server });
      wss.on('connection', (socket, req) => {
        socket.on('message', (data) => socket.send(JSON.stringify({ upstream: name, url: req.url, echo: data.toString() })));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      ports[name] = (server.address() as AddressInfo).port;
      upstreamServers.push(server);
    }
    const account = join(prefix, 'static', 'account');
    mkdirSync(join(account, 'assets'), { recursive: true });
    writeFileSync(join(account, 'index.html'), '<!doctype html><title>account</title>');
    writeFileSync(join(account, 'assets', 'app-1234.js'), 'console.log(1)');

    const listen = await freePort();
    const rendered = renderNginxConfig(routes, { listen, upstreamAddress: (name) => `127.0.0.1:${ports[name]}`, staticRoot: join(prefix, 'static') });
    // Only addresses differ from the committed file: the routing under test is the committed one.
    const normalise = (text: string) =>
      text
        .replace(/server \S+;/g, 'server X;')
        .replace(/listen \d+;/, 'listen X;')
        .replace(/root \S+;/, 'root X;');
    expect(normalise(rendered)).toBe(normalise(readFileSync(CONF_PATH, 'utf8')));
    writeFileSync(join(prefix, 'tessera.conf'), rendered);
    writeFileSync(join(prefix, 'nginx.conf'), mainConfig(prefix, join(prefix, 'tessera.conf')));
    nginx = spawn(binary, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
    edge = `http://127.0.0.1:${listen}`;
    await waitFor(async () => (await fetch(`${edge}/health/live`).catch(() => undefined))?.ok, { timeoutMs: 15_000, what: 'nginx listening' });
  });

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await Promise.all(upstreamServers.map((s) => new Promise((r) => s.close(r))));
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  const echo = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${edge}${path}`, init);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { upstream?: string; url?: string; headers?: Record<string, string>; code?: string } };
  };

  it('sends each path where the local gateway sends it (longest prefix wins)', async () => {
    const paths = [
      ...routes.routes.flatMap((r) => [r.prefix, `${r.prefix.replace(/\/$/, '')}/x/y`]),
      '/api/v1/auth/tokens/active',
      '/api/v1/auth/tokens/blacklist/size',
      '/api/v1/auth/tokens/blacklistx',
      '/api/v1/auth/tokens/audit/0190a0d0-0000-7000-8000-000000000000',
      '/api/v1/audit/summary',
      '/oauth2/introspect',
      '/.well-known/jwks.json',
      '/ws/tokensX',
      '/api/v2/anything',
      '/nothing',
    ];
    for (const path of paths) {
      const expected = matchRoute(routes.routes, path);
      const { status, body } = await echo(`${path}?q=1`);
      if (expected) {
        expect({ path, status, upstream: body.upstream, url: body.url }).toEqual({ path, status: 200, upstream: expected.upstream, url: `${path}?q=1` });
      } else {
        expect({ path, status, code: body.code }).toEqual({ path, status: 404, code: 'not_found' });
      }
    }
  });

  it('passes the client address in X-Forwarded-For, appended to what the client sent', async () => {
    const plain = await echo('/api/v1/users');
    expect(plain.body.headers?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(plain.body.headers?.['x-real-ip']).toBe('127.0.0.1');
    expect(plain.body.headers?.['x-forwarded-proto']).toBe('http');
    const chained = await echo('/api/v1/users', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(chained.body.headers?.['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
  });

  it('refuses bodies over 16 KiB with a 413 problem and passes 16 KiB', async () => {
    const ok = await echo('/api/v1/users', { method: 'POST', body: 'x'.repeat(16 * 1024) });
    expect(ok.status).toBe(200);
    const big = await echo('/api/v1/users', { method: 'POST', body: 'x'.repeat(16 * 1024 + 1) });
    expect(big).toMatchObject({ status: 413, type: 'application/problem+json', body: { code: 'payload_too_large' } });
  });

  it("answers /health with token-api's health and /health/live itself", async () => {
    const health = await echo('/health');
    expect(health.body).toMatchObject({ upstream: 'token-api', url: '/health' });
    const ready = await echo('/health/ready');
    expect(ready.body).toMatchObject({ upstream: 'token-api', url: '/health/ready' });
    const live = await echo('/health/live');
    expect(live).toMatchObject({ status: 200, body: { status: 'UP' } });
  });

  it('answers 502 problem+json when the upstream is down', async () => {
    const revocation = upstreamServers[Object.keys(routes.upstreams).indexOf('revocation')]!;
    const port = (revocation.address() as AddressInfo).port;
    const closed = new Promise((r) => revocation.close(r));
    revocation.closeAllConnections();
    await closed;
    try {
      const down = await echo('/api/v1/auth/tokens/blacklist/size');
      expect(down).toMatchObject({ status: 502, type: 'application/problem+json', body: { code: 'bad_gateway' } });
    } finally {
      await new Promise<void>((r) => revocation.listen(port, '127.0.0.1', r));
    }
    expect((await echo('/api/v1/auth/tokens/blacklist/size')).body.upstream).toBe('revocation');
  });

  it('upgrades /ws/tokens to a WebSocket on the notifier', async () => {
    const socket = new WebSocket(`${edge.replace('http', 'ws')}/ws/tokens`);
    const reply = await new Promise<{ upstream: string; url: string; echo: string }>((resolve, reject) => {
      socket.once('open', () => socket.send('{"type":"PING"}'));
      socket.once('message', (data) => resolve(JSON.parse(data.toString())));
      socket.once('error', reject);
    });
    socket.close();
    expect(reply).toEqual({ upstream: 'notifier', url: '/ws/tokens', echo: '{"type":"PING"}' });
  });

  it('refuses a WebSocket upgrade on a plain route', async () => {
    const status = await new Promise<number | undefined>((resolve) => {
      const req = request(`${edge}/api/v1/users`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.end();
    });
    // The echo server would accept the upgrade: nginx must not have passed Upgrade through.
    expect(status).toBe(200);
  });

  it('serves the account pages from disk with the same headers as the local gateway', async () => {
    for (const path of ['/account', '/account/', '/account/devices/123']) {
      const res = await fetch(`${edge}${path}`);
      expect({ path, status: res.status, body: await res.text() }).toEqual({ path, status: 200, body: '<!doctype html><title>account</title>' });
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
    const asset = await fetch(`${edge}/account/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toBe('console.log(1)');
    const missing = await fetch(`${edge}/account/assets/missing.js`);
    expect(missing.status).toBe(404);
    const other = await fetch(`${edge}/accounting`);
    expect(other.status).toBe(404);
  });
});
