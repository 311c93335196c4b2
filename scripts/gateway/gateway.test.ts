import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createGateway } from './gateway.js';

/*
 * Real upstream servers on ephemeral ports stand in for the services: each answers with its own
 * name, so the test sees where the gateway sent a request; one also accepts WebSocket upgrades.
 */
const servers: Server[] = [];
const port = (s: Server) => (s.address() as AddressInfo).port;

async function upstream(name: string, healthy = true): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/health')) {
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ status: healthy ? 'UP' : 'DOWN', checks: {} }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ upstream: name, url: req.url, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => socket.on('message', (m) => socket.send(`${name}:${m}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return `http://127.0.0.1:${port(server)}`;
}

let gateway: Server;
let base: string;
let downGateway: Server;

beforeAll(async () => {
  const api = await upstream('token-api');
  const audit = await upstream('audit');
  const notifierA = await upstream('notifier-a');
  const notifierB = await upstream('notifier-b');
  const routes = [
    { prefix: '/ws/tokens', upstream: 'notifier', websocket: true },
    { prefix: '/api/v1/auth/tokens/audit', upstream: 'audit' },
    { prefix: '/api/v1/', upstream: 'token-api' },
  ];
  gateway = createGateway({ routes, targets: { 'token-api': [api], audit: [audit], notifier: [notifierA, notifierB] } });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${port(gateway)}`;
  downGateway = createGateway({ routes, targets: { 'token-api': ['http://127.0.0.1:1'], sick: [await upstream('sick', false)] } });
  await new Promise<void>((r) => downGateway.listen(0, '127.0.0.1', () => r()));
});

afterAll(() => {
  for (const s of [gateway, downGateway, ...servers]) s.close();
});

describe('gateway', () => {
  it('routes by the longest prefix and keeps the path and query', async () => {
    const body = (await (await fetch(`${base}/api/v1/auth/tokens/audit/u1?limit=5`)).json()) as { upstream: string; url: string };
    expect(body).toMatchObject({ upstream: 'audit', url: '/api/v1/auth/tokens/audit/u1?limit=5' });
    expect(((await (await fetch(`${base}/api/v1/auth/login`)).json()) as { upstream: string }).upstream).toBe('token-api');
  });

  it('adds X-Forwarded-For so services see the client address', async () => {
    const body = (await (await fetch(`${base}/api/v1/x`)).json()) as { forwardedFor: string };
    expect(body.forwardedFor).toMatch(/127\.0\.0\.1/);
  });

  it('answers unknown paths with a 404 problem', async () => {
    const res = await fetch(`${base}/nowhere`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('proxies WebSocket upgrades, round-robin over replicas', async () => {
    const replies = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/tokens`);
            ws.once('open', () => ws.send('hi'));
            ws.once('message', (m) => {
              resolve(String(m));
              ws.close();
            });
            ws.once('error', reject);
          }),
      ),
    );
    expect(replies.sort()).toEqual(['notifier-a:hi', 'notifier-b:hi']);
  });

  it('refuses an upgrade on a route that is not a WebSocket route', async () => {
    const error = await new Promise<Error>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/x`);
      ws.once('error', resolve);
    });
    expect(error.message).toMatch(/404/);
  });

  it('reports every upstream in /health, UP only when all are', async () => {
    const ok = await fetch(`${base}/health`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(body.status).toBe('UP');
    expect(Object.keys(body.checks).sort()).toEqual(['audit', 'notifier-1', 'notifier-2', 'token-api']);

    const down = await fetch(`http://127.0.0.1:${port(downGateway)}/health`);
    expect(down.status).toBe(503);
    const downBody = (await down.json()) as { checks: Record<string, { status: string }> };
    expect(downBody.checks['token-api']?.status).toBe('DOWN');
    expect(downBody.checks.sick?.status).toBe('DOWN');
  });

  it('answers 502 when the upstream does not answer', async () => {
    const res = await fetch(`http://127.0.0.1:${port(downGateway)}/api/v1/x`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { code: string }).code).toBe('bad_gateway');
  });
});
