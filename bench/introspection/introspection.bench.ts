// Introspection over HTTP (DESIGN §9, issue 5): token-api's POST /oauth2/introspect against
// oidc-provider's introspection of opaque tokens (the anchor) and a bare Express 5 endpoint (the
// HTTP ceiling), measured in the same run, each server alone on CPU 1, the load generator
// (autocannon, this process) on CPU 0:
//
//   taskset -c 0 npx tsx bench/introspection/introspection.bench.ts
//
// Knobs: CONNECTIONS (10,50), DURATION_S (10), WARMUP_S (2), ROUNDS (2), SERVER_CPUS (1).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { deleteNatsNamespace, queryTestDatabase } from '@tessera/platform/testing';
import { cpuSeconds, startServer, type BenchServer } from '../token-api/lib/server.js';
import { envNumber, freePort, machineAndPinning, NATS_URL } from '../token-api/lib/env.js';
import { ANCHOR_CLIENT, TOKEN_API_CLIENT as CLIENT } from './clients.js';
import { cpuMeter, printResult } from '../lib/stats.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CONNECTIONS = (process.env.CONNECTIONS ?? '10,50').split(',').map(Number);
const DURATION_S = envNumber('DURATION_S', 10);
const WARMUP_S = envNumber('WARMUP_S', 2);
const ROUNDS = envNumber('ROUNDS', 2);
const CPUS = process.env.SERVER_CPUS ?? '1';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  pid: number;
}

/** A helper server (anchor, ceiling, revocation) in its own process pinned to the server CPUs. */
async function spawnPinned(script: string, env: Record<string, string>, readyLine?: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('taskset', ['-c', CPUS, process.execPath, '--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  if (!readyLine) return { child, port: Number(env.PORT) };
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready in 30 s`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = readyLine.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const mirrorCurrent = (server: BenchServer) =>
  waitFor(`${server.url} revocation mirror`, async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { checks?: { revocation_state?: { detail?: { source?: string } } } };
    return health.checks?.revocation_state?.detail?.source === 'mirror';
  });

async function post(target: Target): Promise<{ status: number; body: any }> {
  const res = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body });
  return { status: res.status, body: await res.json() };
}

async function measure(target: Target, connections: number) {
  const options = { url: target.url, method: 'POST', headers: target.headers, body: target.body, connections };
  await autocannon({ ...options, duration: WARMUP_S });
  const loadBefore = load();
  const cpuBefore = cpuSeconds(target.pid);
  // autocannon runs in this process: its CPU over the cell is the load generator's own cost.
  const generator = cpuMeter();
  const result = await autocannon({ ...options, duration: DURATION_S });
  const generatorCpuCores = generator.stop().cores;
  const cpu = cpuSeconds(target.pid) - cpuBefore;
  const ok = result['2xx'];
  return {
    rps: ok / DURATION_S,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
    cpuUsPerReq: ok > 0 ? (cpu / ok) * 1e6 : Number.NaN,
    generatorCpuCores,
    load: `${loadBefore} → ${load()}`,
  };
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const servers: BenchServer[] = [];
  let schema = '';
  let namespace = '';
  try {
    const clientEnv = { INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret}`, SERVER_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1' };
    const fast = await startServer({ port: await freePort(), cpus: CPUS, env: clientEnv });
    servers.push(fast);
    ({ schema, namespace } = fast);
    const revocation = await spawnPinned('services/revocation/src/main.ts', { PORT: String(await freePort()), HOST: '127.0.0.1', NATS_URL, NATS_NAMESPACE: namespace, JWKS_URL: `${fast.url}/.well-known/jwks.json`, LOG_LEVEL: 'warn' });
    children.push(revocation.child);
    const viaExpress = await startServer({ port: await freePort(), cpus: CPUS, env: { ...clientEnv, DATABASE_SCHEMA: schema, NATS_NAMESPACE: namespace, INTROSPECTION_FAST_PATH: 'false' } });
    servers.push(viaExpress);
    await Promise.all([mirrorCurrent(fast), mirrorCurrent(viaExpress)]);
    const anchor = await spawnPinned('bench/introspection/oidc-anchor.ts', { PORT: '0' }, /^READY (\d+)$/);
    const ceiling = await spawnPinned('bench/introspection/express-ceiling.ts', { PORT: '0' }, /^READY (\d+)$/);
    const floor = await spawnPinned('bench/introspection/node-floor.ts', { PORT: '0' }, /^READY (\d+)$/);
    children.push(anchor.child, ceiling.child, floor.child);

    // A user's access token (ES256, token-api defaults), and an opaque client-credentials token from the anchor.
    const email = `bench-${Date.now()}@example.com`;
    const password = 'bench password 123';
    await fetch(`${fast.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const login = (await (await fetch(`${fast.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'bench' }, body: JSON.stringify({ email, password }) })).json()) as { access_token: string };
    const anchorUrl = `http://127.0.0.1:${anchor.port}`;
    const issued = (await (
      await fetch(`${anchorUrl}/token`, { method: 'POST', headers: { authorization: basic(ANCHOR_CLIENT.id, ANCHOR_CLIENT.secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=api' })
    ).json()) as { access_token: string };

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const targets: Target[] = [
      { name: 'token-api /oauth2/introspect (fast path)', url: `${fast.url}/oauth2/introspect`, headers: { ...form, authorization: basic(CLIENT.id, CLIENT.secret) }, body: `token=${login.access_token}&token_type_hint=access_token`, pid: fast.child.pid! },
      { name: 'token-api /oauth2/introspect (Express route)', url: `${viaExpress.url}/oauth2/introspect`, headers: { ...form, authorization: basic(CLIENT.id, CLIENT.secret) }, body: `token=${login.access_token}&token_type_hint=access_token`, pid: viaExpress.child.pid! },
      { name: 'anchor: oidc-provider 8 introspection (opaque)', url: `${anchorUrl}/token/introspection`, headers: { ...form, authorization: basic(ANCHOR_CLIENT.id, ANCHOR_CLIENT.secret) }, body: `token=${issued.access_token}`, pid: anchor.child.pid! },
      { name: 'ceiling: bare Express 5 JSON endpoint', url: `http://127.0.0.1:${ceiling.port}/introspect`, headers: form, body: `token=${login.access_token}`, pid: ceiling.child.pid! },
      { name: 'floor: bare node:http JSON endpoint', url: `http://127.0.0.1:${floor.port}/introspect`, headers: form, body: `token=${login.access_token}`, pid: floor.child.pid! },
    ];
    for (const target of targets) {
      const check = await post(target);
      if (check.status !== 200 || check.body.active !== true) throw new Error(`${target.name} answered ${check.status} ${JSON.stringify(check.body)}`);
    }

    console.log(`# introspection over HTTP — ${machineAndPinning()}; servers on CPUs ${CPUS} (taskset), one process each`);
    console.log(`# autocannon ${DURATION_S} s per cell after ${WARMUP_S} s warm-up, keep-alive, no pipelining; ${ROUNDS} round(s); token-api: ES256 access token, mirror-backed revocation check on every call`);
    const results = new Map<string, Array<Awaited<ReturnType<typeof measure>>>>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const connections of CONNECTIONS) {
        for (const target of targets) {
          const r = await measure(target, connections);
          results.set(`${target.name}|${connections}`, [...(results.get(`${target.name}|${connections}`) ?? []), r]);
          console.log(
            `round ${round}  c=${String(connections).padStart(2)}  ${target.name.padEnd(48)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ${r.cpuUsPerReq.toFixed(0)} µs CPU/req  non-2xx+errors ${r.bad}  load ${r.load}`,
          );
        }
      }
    }
    console.log('# best round per cell (the least disturbed by other work on the machine)');
    const cells: Array<{ connections: number; target: string } & Awaited<ReturnType<typeof measure>>> = [];
    for (const connections of CONNECTIONS) {
      const best = (name: string) => results.get(`${name}|${connections}`)!.reduce((a, b) => (b.rps > a.rps ? b : a));
      const ours = best(targets[0]!.name);
      const express = best(targets[1]!.name);
      const oidc = best(targets[2]!.name);
      const ceiling = best(targets[3]!.name);
      const floor = best(targets[4]!.name);
      for (const [target, r] of [['tessera', ours], ['tesseraExpress', express], ['oidcProvider', oidc], ['expressCeiling', ceiling], ['nodeFloor', floor]] as const) cells.push({ connections, target, ...r });
      console.log(
        `c=${connections}: token-api ${ours.rps.toFixed(0)} req/s (p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms) = ${(ours.rps / oidc.rps).toFixed(2)}× oidc-provider ${oidc.rps.toFixed(0)} req/s (p99 ${oidc.p99.toFixed(2)} ms); ` +
          `${(ours.rps / ceiling.rps).toFixed(2)}× the bare Express ceiling ${ceiling.rps.toFixed(0)} req/s; through Express instead: ${express.rps.toFixed(0)} req/s (p99 ${express.p99.toFixed(2)} ms). ` +
          `CPU per request: token-api ${ours.cpuUsPerReq.toFixed(0)} µs, via Express ${express.cpuUsPerReq.toFixed(0)} µs, oidc-provider ${oidc.cpuUsPerReq.toFixed(0)} µs, ceiling ${ceiling.cpuUsPerReq.toFixed(0)} µs, node:http floor ${floor.cpuUsPerReq.toFixed(0)} µs (${floor.rps.toFixed(0)} req/s); ` +
          `load generator CPU ${(ours.generatorCpuCores * 100).toFixed(0)} % of a core (token-api cell), ${(ceiling.generatorCpuCores * 100).toFixed(0)} % (ceiling cell)`,
      );
    }
    printResult({ durationS: DURATION_S, warmupS: WARMUP_S, rounds: ROUNDS, serverCpus: CPUS, cells });
  } finally {
    for (const child of children) child.kill('SIGTERM');
    for (const server of servers) await server.stop();
    if (namespace) await deleteNatsNamespace(namespace, NATS_URL).catch(() => undefined);
    if (schema) await queryTestDatabase(`drop schema if exists ${schema} cascade`).catch(() => undefined);
  }
}

await main();
