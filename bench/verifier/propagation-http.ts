/*
 * Revocation propagation as DESIGN §9 defines it: the revoke call returns → a verifier in
 * another process rejects the token. The revoke call is token-api's `POST /api/v1/auth/logout`
 * (a Postgres transaction revoking the session, then the outbox publish of its TokenRevoked
 * events); the verifier refuses the session's access token as `revoked` or `session_revoked`.
 *
 * Processes: this driver (HTTP client), token-api (services/token-api/src/main.ts, real
 * PostgreSQL, its own schema), revocation (services/revocation/src/main.ts), the verifier process
 * (bench/verifier/propagation-verifier.ts, JWKS fetched from token-api), a private nats-server.
 * Timestamps: process.hrtime (CLOCK_MONOTONIC, shared by the processes). A negative figure means
 * the verifier refused the token before the logout response reached the client (the outbox
 * publishes right after the commit, concurrently with the response).
 *
 * Measured one logout at a time with 2–5 ms between them, --count each: idle, then under
 * --load other revocations per second (TokenRevoked published straight to the stream, loading
 * the consumer, the bucket and every mirror). Anchor in the same run: one bare JetStream hop.
 *
 * Run: npx tsx bench/verifier/propagation-http.ts [--count 1000] [--load 50] [--warmup 50] [--token-api-main path]
 * Needs the machine's PostgreSQL (DATABASE_URL). Nothing is pinned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ensureStream, Topology } from '@tessera/platform';
import { freePort, queryTestDatabase, startNatsServer, testDatabaseUrl, uniqueName, waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { cdf, latencySummary, printResult } from '../lib/stats.js';
import { backgroundRevocations, hr, measureAnchor, ms, pause, root, startRevocationProcess, startVerifierProcess, summary } from './support.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    load: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '50' },
    users: { type: 'string', default: '20' },
    // Another checkout's token-api entry point (e.g. a released version); default: this tree's.
    'token-api-main': { type: 'string', default: 'services/token-api/src/main.ts' },
  },
});
const COUNT = Number(args.count);
const LOAD = Number(args.load);
const WARMUP = Number(args.warmup);
const USERS = Number(args.users);
const UA = 'tessera-bench/1.0';
const ISSUER = 'http://localhost:9003';
const AUDIENCE = 'tessera';

interface Session {
  access: string;
  jti: string;
  sid: string;
}

async function main(): Promise<void> {
  const nats = await startNatsServer();
  const schema = uniqueName('bench_tokenapi');
  const children: ChildProcess[] = [];
  try {
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const topology = new Topology({ namespace: 'benchhttp', eventsMaxAgeMs: 86_400_000 });
    await ensureStream(await jetstreamManager(nc), { name: 'BENCH_HOP', subjects: ['benchhop.>'], maxAgeMs: 3_600_000 });

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const tokenApi = spawn(process.execPath, ['--import', 'tsx', args['token-api-main']], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        NATS_URL: nats.url,
        NATS_NAMESPACE: topology.namespace,
        DATABASE_URL: testDatabaseUrl(),
        DATABASE_SCHEMA: schema,
        LOG_LEVEL: 'error',
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
        // Cheap hashing: the logins are set-up, not what is measured.
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(tokenApi);
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.ok, { what: 'token-api healthy', timeoutMs: 60_000 });
    children.push(await startRevocationProcess(nc, nats.url, topology));

    const post = (path: string, body: unknown, bearer?: string) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });

    // Sessions to end: USERS accounts, several logins each (each login is its own session).
    const accounts = Array.from({ length: USERS }, (_, i) => ({ email: `bench${i}-${schema}@example.test`, password: 'correct horse battery' }));
    for (const account of accounts) {
      const res = await post('/api/v1/users', account);
      if (res.status !== 201) throw new Error(`register answered ${res.status}: ${await res.text()}`);
    }
    const sessions: Session[] = [];
    const total = WARMUP + 2 * COUNT;
    for (let i = 0; i < total; i++) {
      const res = await post('/api/v1/auth/login', accounts[i % USERS]);
      if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
      const { access_token: access } = (await res.json()) as { access_token: string };
      const claims = decodeJwt(access) as { jti: string; sid: string };
      sessions.push({ access, jti: claims.jti, sid: claims.sid });
    }

    const verifier = await startVerifierProcess({
      natsUrl: nats.url,
      bucket: topology.revocationsBucket,
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { jwksUrl: `${base}/.well-known/jwks.json` },
      userAgent: UA,
      tokens: sessions.map((s) => ({ jti: s.jti, sid: s.sid, token: s.access })),
      anchorStream: 'BENCH_HOP',
      anchorSubject: 'benchhop.x',
    });
    children.push(verifier.child);

    let next = 0;
    const measureLogout = async (n: number) => {
      const fromResponse: number[] = [];
      const fromRequest: number[] = [];
      const requestToResponse: number[] = [];
      for (let i = 0; i < n; i++) {
        const session = sessions[next++]!;
        const refused = verifier.arrival(session.jti);
        const start = hr();
        const res = await post('/api/v1/auth/logout', undefined, session.access);
        const responded = hr();
        if (res.status !== 204) throw new Error(`logout answered ${res.status}: ${await res.text()}`);
        const at = await refused;
        fromResponse.push(ms(at - responded));
        fromRequest.push(ms(at - start));
        requestToResponse.push(ms(responded - start));
        await pause();
      }
      return { fromResponse, fromRequest, requestToResponse };
    };

    await measureLogout(WARMUP);
    await measureAnchor(js, verifier, 'benchhop.x', WARMUP);
    const anchorIdle = await measureAnchor(js, verifier, 'benchhop.x', COUNT);
    const idle = await measureLogout(COUNT);
    const load = backgroundRevocations(js, topology, LOAD);
    const loadStart = Date.now();
    const anchorLoaded = await measureAnchor(js, verifier, 'benchhop.x', COUNT);
    const loaded = await measureLogout(COUNT);
    const loadSent = load.stop();
    const loadSeconds = (Date.now() - loadStart) / 1000;

    console.log(`revocation propagation (logout response → verifier) — node ${process.version}, private nats-server ${nc.info?.version}, PostgreSQL ${testDatabaseUrl().replace(/\/\/[^@]*@/, '//')}, load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`parameters: count=${COUNT} logouts per series (${USERS} users), warm-up ${WARMUP}, 2–5 ms between operations, background ${LOAD} revocations/s (${loadSent} sent in ${loadSeconds.toFixed(1)} s), no CPU pinning`);
    console.log('path: POST /api/v1/auth/logout (token-api: commit, then outbox publish) → revocation consumer → KV → mirror in the verifier process → verify() refuses');
    console.log('idle');
    console.log(`  anchor: one bare JetStream hop, publish → ordered consumer in another process   ${summary(anchorIdle)}`);
    console.log(`  logout request → response (client side)                                        ${summary(idle.requestToResponse)}`);
    console.log(`  propagation: logout response → verifier refuses                                ${summary(idle.fromResponse)}`);
    console.log(`  propagation: logout request sent → verifier refuses                            ${summary(idle.fromRequest)}`);
    console.log(`under ${LOAD} revocations/s of background load`);
    console.log(`  anchor: one bare JetStream hop                                                 ${summary(anchorLoaded)}`);
    console.log(`  logout request → response (client side)                                        ${summary(loaded.requestToResponse)}`);
    console.log(`  propagation: logout response → verifier refuses                                ${summary(loaded.fromResponse)}`);
    console.log(`  propagation: logout request sent → verifier refuses                            ${summary(loaded.fromRequest)}`);
    const series = (xs: number[]) => ({ ...latencySummary(xs), cdf: cdf(xs) });
    const block = (r: Awaited<ReturnType<typeof measureLogout>>, anchor: number[]) => ({
      anchor: series(anchor),
      requestToResponse: series(r.requestToResponse),
      fromResponse: series(r.fromResponse),
      fromRequest: series(r.fromRequest),
    });
    printResult({ count: COUNT, warmup: WARMUP, users: USERS, load: LOAD, loadSent, natsServer: nc.info?.version, idle: block(idle, anchorIdle), loaded: block(loaded, anchorLoaded) });
    await nc.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await nats.dispose();
    await queryTestDatabase(`drop schema if exists ${schema} cascade`).catch(() => undefined);
  }
}

await main();
process.exit(0);
