/*
 * Scaling out token-api from 1 to 2 processes (DESIGN §10): refresh and introspection against one
 * process, then against two processes sharing the schema, the NATS namespace and the revocation
 * bucket, the load generator sending round-robin (worker i → process i mod n) — no gateway, so
 * the figure is the service's, not a proxy's.
 *
 * The CPU constraint: this machine has 2 cores for everything — the generator, both token-api
 * processes, PostgreSQL, nats-server and the revocation service. Nothing is pinned here (two
 * server processes on one pinned core could not show anything), so a second process can only win
 * what one process left idle on the 2 cores: the figure says whether the design scales out
 * without a shared bottleneck (row locks, the outbox relay, JetStream dedupe), not how it would
 * scale with a core per process. The generator's own CPU share is reported with every cell.
 *
 *   refresh        POST /api/v1/auth/refresh, each worker rotating its own session (the answer's
 *                  refresh token is its next request's), --refresh-concurrency workers;
 *   introspection  POST /oauth2/introspect (RFC 7662, service credential) of one user's ES256
 *                  access token, --introspect-concurrency workers.
 * Closed-loop keep-alive generator (bench/token-api/lib/load.ts); --rounds rounds alternating the
 * order of 1 and 2 processes; medians reported.
 *
 * Run: npx tsx bench/scaling/token-api.ts [--seconds 10] [--warmup 2] [--rounds 2] [--refresh-concurrency 32] [--introspect-concurrency 50]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deleteNatsNamespace, queryTestDatabase } from '@tessera/platform/testing';
import { TOKEN_API_CLIENT } from '../anchors/clients.js';
import { freePort, NATS_URL } from '../token-api/lib/env.js';
import { postJson, runLoad, type LoadResult } from '../token-api/lib/load.js';
import { startServer, type BenchServer } from '../token-api/lib/server.js';
import { basicAuth, postForm } from '../lib/http.js';
import { allowedCpus, machine, printResult } from '../lib/stats.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    'refresh-concurrency': { type: 'string', default: '32' },
    'introspect-concurrency': { type: 'string', default: '50' },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const ROUNDS = Number(args.rounds);
const REFRESH_CONCURRENCY = Number(args['refresh-concurrency']);
const INTROSPECT_CONCURRENCY = Number(args['introspect-concurrency']);
const root = fileURLToPath(new URL('../..', import.meta.url));
const UA = 'tessera-bench/1.0';
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const servers: BenchServer[] = [];
  let revocation: ChildProcess | null = null;
  const env = {
    INTROSPECTION_CLIENTS: `${TOKEN_API_CLIENT.id}:${TOKEN_API_CLIENT.secret}`,
    // Logins only set the sessions up; cheap hashing keeps that short.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    LOGIN_IP_MAX_FAILURES: '100000',
    TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
  };
  try {
    const first = await startServer({ port: await freePort(), env });
    servers.push(first);
    const { schema, namespace } = first;
    servers.push(await startServer({ port: await freePort(), env: { ...env, DATABASE_SCHEMA: schema, NATS_NAMESPACE: namespace } }));
    revocation = spawn(process.execPath, ['--import', 'tsx', 'services/revocation/src/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(await freePort()), HOST: '127.0.0.1', NATS_URL, NATS_NAMESPACE: namespace, JWKS_URL: `${first.url}/.well-known/jwks.json`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (const server of servers) {
      await waitFor(`${server.url} revocation mirror`, async () => {
        const health = (await (await fetch(`${server.url}/health`)).json()) as { checks?: { revocation_state?: { detail?: { source?: string } } } };
        return health.checks?.revocation_state?.detail?.source === 'mirror';
      });
    }

    // One session per refresh worker; one access token to introspect.
    const refreshTokens: string[] = [];
    let access = '';
    for (let i = 0; i < REFRESH_CONCURRENCY; i++) {
      const user = { email: `scale-${i}-${schema}@example.com`, password: 'bench password 123' };
      if ((await postJson(`${first.url}/api/v1/users`, user)).status !== 201) throw new Error('register failed');
      const login = await postJson(`${first.url}/api/v1/auth/login`, user, { 'user-agent': UA });
      if (login.status !== 200) throw new Error(`login answered ${login.status}`);
      refreshTokens.push(login.body.refresh_token);
      access = login.body.access_token;
    }
    const auth = basicAuth(TOKEN_API_CLIENT.id, TOKEN_API_CLIENT.secret);
    const introspectForm = `token=${access}&token_type_hint=access_token`;
    for (const server of servers) {
      const check = await postForm(`${server.url}/oauth2/introspect`, introspectForm, auth);
      if (check.status !== 200 || !(JSON.parse(check.text) as { active?: boolean }).active) throw new Error(`${server.url} introspection answered ${check.status} ${check.text}`);
    }

    const refresh = (processes: number) =>
      runLoad({
        concurrency: REFRESH_CONCURRENCY,
        warmupMs: WARMUP * 1000,
        durationMs: SECONDS * 1000,
        once: async (i) => {
          const res = await postJson(`${servers[i % processes]!.url}/api/v1/auth/refresh`, { refresh_token: refreshTokens[i] }, { 'user-agent': UA });
          if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
          refreshTokens[i] = res.body.refresh_token;
        },
      });
    const introspect = (processes: number) =>
      runLoad({
        concurrency: INTROSPECT_CONCURRENCY,
        warmupMs: WARMUP * 1000,
        durationMs: SECONDS * 1000,
        once: async (i) => {
          const res = await postForm(`${servers[i % processes]!.url}/oauth2/introspect`, introspectForm, auth);
          if (res.status !== 200) throw new Error(`introspection answered ${res.status}`);
        },
      });

    const cells = new Map<string, LoadResult[]>();
    const record = (key: string, r: LoadResult) => cells.set(key, [...(cells.get(key) ?? []), r]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const processes of round % 2 === 0 ? [1, 2] : [2, 1]) {
        record(`refresh.${processes}`, await refresh(processes));
        record(`introspection.${processes}`, await introspect(processes));
      }
    }
    const summary = (key: string) => {
      const xs = cells.get(key)!;
      return { rps: median(xs.map((x) => x.rps)), p50Ms: median(xs.map((x) => x.p50Ms)), p99Ms: median(xs.map((x) => x.p99Ms)), errors: xs.reduce((a, x) => a + x.errors, 0), generatorCpuCores: median(xs.map((x) => x.generatorCpuCores)), rounds: xs.map((x) => x.rps) };
    };
    const result = {
      seconds: SECONDS,
      warmupS: WARMUP,
      rounds: ROUNDS,
      refreshConcurrency: REFRESH_CONCURRENCY,
      introspectConcurrency: INTROSPECT_CONCURRENCY,
      cpus: allowedCpus(),
      refresh: { one: summary('refresh.1'), two: summary('refresh.2') },
      introspection: { one: summary('introspection.1'), two: summary('introspection.2') },
    };
    console.log(`token-api 1 → 2 processes — ${machine()}; nothing pinned: generator, both token-api processes, revocation, PostgreSQL and NATS share the 2 cores`);
    console.log(`parameters: ${WARMUP} s warm-up + ${SECONDS} s per cell, ${ROUNDS} rounds (medians), round-robin by worker; refresh ${REFRESH_CONCURRENCY} workers, introspection ${INTROSPECT_CONCURRENCY} workers`);
    for (const kind of ['refresh', 'introspection'] as const) {
      const { one, two } = result[kind];
      const line = (n: number, r: typeof one) =>
        `${Math.round(r.rps).toLocaleString('en-US')} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors, generator ${(r.generatorCpuCores * 100).toFixed(0)} % of a core (${n} process${n > 1 ? 'es' : ''})`;
      console.log(`  ${kind.padEnd(13)} 1 process:   ${line(1, one)}`);
      console.log(`  ${kind.padEnd(13)} 2 processes: ${line(2, two)}  → ${(two.rps / one.rps).toFixed(2)}×`);
    }
    printResult(result);
  } finally {
    revocation?.kill('SIGTERM');
    for (const server of servers) await server.stop();
    const schema = servers[0]?.schema;
    if (schema) {
      await deleteNatsNamespace(servers[0]!.namespace, NATS_URL).catch(() => undefined);
      await queryTestDatabase(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    }
  }
}

await main();
process.exit(0);
