/*
 * Anchor: oidc-provider for token issuance and revocation, and Tessera's RFC 7009 revocation
 * against it, driven by the same closed-loop generator as the token-api benchmarks
 * (bench/token-api/lib/load.ts: keep-alive, one request at a time per worker).
 *
 *   issuance    oidc-provider POST /token, grant_type=client_credentials, an opaque access token
 *               kept in its in-memory adapter. The report sets it beside token-api's refresh
 *               (bench/token-api/refresh.bench.ts, same generator and concurrency), which also
 *               issues a token pair — but in a PostgreSQL transaction with two events.
 *   revocation  --revocations distinct, live access tokens revoked once each, at --concurrency:
 *               oidc-provider POST /token/revocation (in-memory destroy), and token-api
 *               POST /oauth2/revoke with a service credential (the token found by its SHA-256 in
 *               PostgreSQL, a transaction marking it revoked, TokenRevoked through the outbox to
 *               JetStream). Count-bound, since a token can be revoked only once.
 * oidc-provider's introspection is measured by bench/introspection (reused, not repeated here).
 *
 * Servers each in their own process on SERVER_CPUS (default 1); run this generator on the other:
 *   taskset -c 0 npx tsx bench/anchors/oidc-provider.ts [--concurrency 32] [--seconds 10] [--warmup 2] [--revocations 5000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deleteNatsNamespace, queryTestDatabase } from '@tessera/platform/testing';
import { ANCHOR_CLIENT, TOKEN_API_CLIENT } from './clients.js';
import { freePort, NATS_URL } from '../token-api/lib/env.js';
import { postJson, runLoad, type LoadResult } from '../token-api/lib/load.js';
import { cpuSeconds, startServer, type BenchServer } from '../token-api/lib/server.js';
import { basicAuth, postForm } from '../lib/http.js';
import { allowedCpus, cpuMeter, latencySummary, machine, packageVersion, printResult } from '../lib/stats.js';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    revocations: { type: 'string', default: '5000' },
  },
});
const CONCURRENCY = Number(args.concurrency);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const REVOCATIONS = Number(args.revocations);
const SERVER_CPUS = process.env.SERVER_CPUS ?? '1';
const root = fileURLToPath(new URL('../..', import.meta.url));
const UA = 'tessera-bench/1.0';
const basic = basicAuth;

/** Runs `once(k)` for k = 0 … count-1 with `concurrency` workers; rate, latency, generator CPU. */
async function countBound(count: number, once: (k: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const meter = cpuMeter();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const k = next++;
        const t = performance.now();
        await once(k);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const s = latencySummary(latencies);
  return { count, seconds, rps: count / seconds, p50Ms: s.p50, p99Ms: s.p99, generatorCpuCores: meter.stop().cores };
}

/** `concurrency` at a time until all `count` are done (set-up work, not measured). */
async function inParallel<T>(count: number, make: (k: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const k = next++;
      out[k] = await make(k);
    }
  }));
  return out;
}

async function startOidcProvider(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('taskset', ['-c', SERVER_CPUS, process.execPath, '--import', 'tsx', 'bench/anchors/oidc-provider-server.ts'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('oidc-provider not ready in 60 s')), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^READY (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function main(): Promise<void> {
  let oidc: { child: ChildProcess; url: string } | null = null;
  let tokenApi: BenchServer | null = null;
  try {
    oidc = await startOidcProvider();
    const oidcUrl = oidc.url;
    const oidcAuth = basic(ANCHOR_CLIENT.id, ANCHOR_CLIENT.secret);
    const issue = async () => {
      const res = await postForm(`${oidcUrl}/token`, 'grant_type=client_credentials&scope=api', oidcAuth);
      if (res.status !== 200) throw new Error(`oidc-provider /token answered ${res.status}: ${res.text}`);
      return (JSON.parse(res.text) as { access_token: string }).access_token;
    };
    await issue();

    // Issuance, time-bound like token-api's refresh benchmark.
    const oidcPid = oidc.child.pid!;
    const cpuBefore = cpuSeconds(oidcPid);
    const issuance: LoadResult = await runLoad({ concurrency: CONCURRENCY, warmupMs: WARMUP * 1000, durationMs: SECONDS * 1000, once: async () => void (await issue()) });
    const oidcCpuMsPerIssue = ((cpuSeconds(oidcPid) - cpuBefore) * 1000) / (issuance.requests * ((issuance.seconds + WARMUP) / issuance.seconds));

    // Revocation, count-bound: distinct live tokens, each revoked once.
    const oidcTokens = await inParallel(REVOCATIONS, issue);
    const oidcRevocation = await countBound(REVOCATIONS, async (k) => {
      const res = await postForm(`${oidcUrl}/token/revocation`, `token=${oidcTokens[k]}&token_type_hint=access_token`, oidcAuth);
      if (res.status !== 200) throw new Error(`oidc-provider /token/revocation answered ${res.status}: ${res.text}`);
    });
    const stillActive = JSON.parse((await postForm(`${oidcUrl}/token/introspection`, `token=${oidcTokens[0]}`, oidcAuth)).text) as { active: boolean };
    if (stillActive.active) throw new Error('oidc-provider: a revoked token is still active');

    tokenApi = await startServer({
      port: await freePort(),
      cpus: SERVER_CPUS,
      env: {
        INTROSPECTION_CLIENTS: `${TOKEN_API_CLIENT.id}:${TOKEN_API_CLIENT.secret}`,
        // Cheap hashing: the logins only make the tokens to revoke; they are not measured.
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
        LOGIN_IP_MAX_FAILURES: '100000',
        LOG_LEVEL: 'warn',
      },
    });
    const api = tokenApi.url;
    const users = Array.from({ length: Math.min(64, REVOCATIONS) }, (_, i) => ({ email: `revoke-bench-${i}-${tokenApi!.schema}@example.com`, password: 'bench password 123' }));
    for (const user of users) if ((await postJson(`${api}/api/v1/users`, user)).status !== 201) throw new Error('register failed');
    const accessTokens = await inParallel(REVOCATIONS, async (k) => {
      const res = await postJson(`${api}/api/v1/auth/login`, users[k % users.length], { 'user-agent': UA });
      if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      return res.body.access_token as string;
    });
    const apiAuth = basic(TOKEN_API_CLIENT.id, TOKEN_API_CLIENT.secret);
    // Warm the route (not counted) with tokens that are not ours: answered 200, nothing revoked.
    for (let i = 0; i < 50; i++) await postForm(`${api}/oauth2/revoke`, `token=${'x'.repeat(43)}&token_type_hint=refresh_token`, apiAuth);
    const apiCpuBefore = cpuSeconds(tokenApi.child.pid!);
    const tesseraRevocation = await countBound(REVOCATIONS, async (k) => {
      const res = await postForm(`${api}/oauth2/revoke`, `token=${accessTokens[k]}&token_type_hint=access_token`, apiAuth);
      if (res.status !== 200) throw new Error(`token-api /oauth2/revoke answered ${res.status}: ${res.text}`);
    });
    const apiCpuMsPerRevoke = ((cpuSeconds(tokenApi.child.pid!) - apiCpuBefore) * 1000) / REVOCATIONS;
    const revoked = Number((await queryTestDatabase<{ n: number }>(`select count(*)::int as n from ${tokenApi.schema}.auth_tokens where status = 'REVOKED' and token_type = 'ACCESS'`))[0]?.n ?? 0);
    if (revoked < REVOCATIONS) throw new Error(`token-api: ${revoked} access tokens revoked, expected ${REVOCATIONS}`);

    const fmtLoad = (r: { rps: number; p50Ms: number; p99Ms: number; generatorCpuCores: number }) =>
      `${Math.round(r.rps).toLocaleString('en-US')} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms (generator CPU ${(r.generatorCpuCores * 100).toFixed(0)} % of a core)`;
    console.log(`oidc-provider ${packageVersion('oidc-provider')} anchors — ${machine()}; generator on CPUs ${allowedCpus()}, servers on CPUs ${SERVER_CPUS}, one process each`);
    console.log(`parameters: concurrency ${CONCURRENCY}; issuance ${WARMUP} s warm-up + ${SECONDS} s; revocation ${REVOCATIONS} distinct live access tokens per server, each revoked once`);
    console.log(`  anchor: oidc-provider client_credentials issuance (opaque, memory adapter): ${fmtLoad(issuance)}; server CPU ${oidcCpuMsPerIssue.toFixed(2)} ms per token`);
    console.log(`  anchor: oidc-provider RFC 7009 revocation (memory adapter):                 ${fmtLoad(oidcRevocation)}`);
    console.log(`  token-api RFC 7009 revocation (PostgreSQL tx + TokenRevoked → JetStream):  ${fmtLoad(tesseraRevocation)}; server CPU ${apiCpuMsPerRevoke.toFixed(2)} ms per revocation`);
    console.log(`  token-api / oidc-provider revocation: ${(tesseraRevocation.rps / oidcRevocation.rps).toFixed(2)}×`);
    printResult({
      oidcProvider: packageVersion('oidc-provider'),
      concurrency: CONCURRENCY,
      seconds: SECONDS,
      warmupS: WARMUP,
      revocations: REVOCATIONS,
      serverCpus: SERVER_CPUS,
      issuance: { ...issuance, serverCpuMsPerToken: oidcCpuMsPerIssue },
      oidcRevocation,
      tesseraRevocation: { ...tesseraRevocation, serverCpuMsPerRevocation: apiCpuMsPerRevoke },
    });
  } finally {
    oidc?.child.kill('SIGTERM');
    if (tokenApi) {
      await tokenApi.stop();
      await deleteNatsNamespace(tokenApi.namespace, NATS_URL).catch(() => undefined);
      await queryTestDatabase(`drop schema if exists ${tokenApi.schema} cascade`).catch(() => undefined);
    }
  }
}

await main();
process.exit(0);
