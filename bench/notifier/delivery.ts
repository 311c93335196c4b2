/*
 * Revocation to WebSocket, as DESIGN §9 defines it: the revoke call returns → a WebSocket client
 * receives TOKEN_REVOKED. The revoke call is token-api's `POST /api/v1/auth/logout` (a Postgres
 * transaction, then the outbox publish); the client is a socket of another session of the same
 * user, subscribed to the user, held by the notifier in its own process.
 *
 * Processes: this driver (HTTP client and the sockets), token-api, revocation and notifier
 * (each `services/<name>/src/main.ts`), a private nats-server, the machine's PostgreSQL.
 * Timestamps: process.hrtime in this process. A negative figure means the push arrived before
 * the HTTP response did (the outbox publishes right after the commit, concurrently).
 *
 * Run: npx tsx bench/notifier/delivery.ts [--count 1000] [--warmup 50] [--users 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { freePort, queryTestDatabase, startNatsServer, testDatabaseUrl, uniqueName, waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { cdf, formatLatency, hr, latencySummary, machine, msBetween } from '../lib/stats.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '1000' }, warmup: { type: 'string', default: '50' }, users: { type: 'string', default: '20' } } });
const COUNT = Number(args.count);
const WARMUP = Number(args.warmup);
const USERS = Number(args.users);
const UA = 'tessera-bench/1.0';
const root = new URL('../..', import.meta.url).pathname;
const NAMESPACE = 'benchdelivery';

function startService(name: string, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NATS_NAMESPACE: NAMESPACE, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function main(): Promise<void> {
  const nats = await startNatsServer();
  const schema = uniqueName('bench_delivery');
  const children: ChildProcess[] = [];
  try {
    const [apiPort, revocationPort, notifierPort] = [await freePort(), await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}`;
    const jwks = { JWKS_URL: `${api}/.well-known/jwks.json`, NATS_URL: nats.url };
    children.push(startService('token-api', apiPort, { ...jwks, DATABASE_URL: testDatabaseUrl(), DATABASE_SCHEMA: schema, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' }));
    await waitFor(async () => (await fetch(`${api}/health`).catch(() => null))?.ok, { what: 'token-api', timeoutMs: 60_000 });
    children.push(startService('revocation', revocationPort, jwks), startService('notifier', notifierPort, { ...jwks, WS_MAX_CONNECTIONS_PER_USER: '1000' }));
    for (const port of [revocationPort, notifierPort]) await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok, { what: `service on ${port}`, timeoutMs: 60_000 });

    const post = async (path: string, body?: unknown, bearer?: string) => {
      const res = await fetch(`${api}${path}`, {
        method: 'POST',
        headers: { 'user-agent': UA, ...(body ? { 'content-type': 'application/json' } : {}), ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, json: res.status === 204 ? null : ((await res.json()) as Record<string, string>) };
    };

    // Per user: one watcher socket (its own session) and the sessions that will be ended.
    const arrivals = new Map<string, (at: bigint) => void>();
    const early = new Map<string, bigint>();
    const users: Array<{ id: string; email: string }> = [];
    for (let u = 0; u < USERS; u++) {
      const email = `bench${u}-${schema}@example.test`;
      const created = await post('/api/v1/users', { email, password: 'correct horse battery' });
      if (created.status !== 201) throw new Error(`register: ${created.status}`);
      users.push({ id: created.json!.id!, email });
      const watcher = await post('/api/v1/auth/login', { email, password: 'correct horse battery' });
      const ws = new WebSocket(`ws://127.0.0.1:${notifierPort}/ws/tokens`, { headers: { 'user-agent': UA, authorization: `Bearer ${watcher.json!.access_token}` } });
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; tokenId?: string };
          if (m.type === 'SUBSCRIBED') resolve();
          if (m.type === 'TOKEN_REVOKED' && m.tokenId) {
            const at = hr();
            const waiter = arrivals.get(m.tokenId);
            if (waiter) waiter(at);
            else early.set(m.tokenId, at);
          }
        });
        ws.once('open', () => ws.send(JSON.stringify({ type: 'SUBSCRIBE', userId: created.json!.id })));
        ws.once('error', reject);
      });
    }
    const sessions: Array<{ access: string; jti: string }> = [];
    for (let i = 0; i < WARMUP + COUNT; i++) {
      const res = await post('/api/v1/auth/login', { email: users[i % USERS]!.email, password: 'correct horse battery' });
      sessions.push({ access: res.json!.access_token!, jti: (decodeJwt(res.json!.access_token!) as { jti: string }).jti });
    }

    const arrival = (jti: string) => {
      const known = early.get(jti);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no TOKEN_REVOKED for ${jti}`)), 10_000);
        arrivals.set(jti, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    };
    const fromResponse: number[] = [];
    const fromRequest: number[] = [];
    for (let i = 0; i < sessions.length; i++) {
      const s = sessions[i]!;
      const start = hr();
      const res = await post('/api/v1/auth/logout', undefined, s.access);
      const responded = hr();
      if (res.status !== 204) throw new Error(`logout: ${res.status}`);
      const at = await arrival(s.jti);
      if (i >= WARMUP) {
        fromResponse.push(msBetween(responded, at));
        fromRequest.push(msBetween(start, at));
      }
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 3));
    }
    console.log(`revocation → WebSocket (logout response → TOKEN_REVOKED at a socket of another session) — ${machine()}`);
    console.log(`parameters: ${COUNT} logouts (${USERS} users, one subscribed watcher socket each), warm-up ${WARMUP}, 2–5 ms between, separate processes for token-api, revocation, notifier; no CPU pinning`);
    console.log(`  logout response → TOKEN_REVOKED received:   ${formatLatency(fromResponse)}`);
    console.log(`  logout request sent → TOKEN_REVOKED:        ${formatLatency(fromRequest)}`);
    console.log(`RESULT ${JSON.stringify({ count: COUNT, warmup: WARMUP, users: USERS, fromResponse: { ...latencySummary(fromResponse), cdf: cdf(fromResponse) }, fromRequest: latencySummary(fromRequest) })}`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await nats.dispose();
    await queryTestDatabase(`drop schema if exists ${schema} cascade`).catch(() => undefined);
  }
}

await main();
process.exit(0);
