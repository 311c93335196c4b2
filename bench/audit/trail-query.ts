/*
 * Audit-trail query latency with 10,000,000 rows in auth_token_audit.
 *
 * The table is created by the service's own migrations in a fresh schema, its secondary indexes
 * are set aside, the rows are generated inside Postgres (`insert … select … generate_series`),
 * the indexes are rebuilt from their own definitions and the table analysed. 100,000 users hold
 * ~100 rows each; one "heavy" user holds 10,000. Then the real service (main.ts, a child process
 * under `taskset -c 1`) answers GET /api/v1/auth/tokens/audit/{userId} with real ES256 tokens,
 * one request at a time from this process (`taskset -c 0`), and the latencies are reported.
 * Anchors, same run: the same query in-process without HTTP (readTrail on a pg pool), and the
 * HTTP floor (GET /health/live on the same service). The schema is dropped at the end.
 *
 * Run: taskset -c 0 npx tsx bench/audit/trail-query.ts [--rows 10000000] [--users 100000] [--requests 500]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { migrations, readTrail, type TrailRequest } from '@tessera/audit';
import { createDatabase, migrateToLatest, sql, Topology } from '@tessera/platform';
import { printResult } from '../lib/stats.js';
import { BENCH_USER_AGENT, freePort, percentile, startTokenIssuer } from './support.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    users: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '500' },
  },
});
const ROWS = Number(args.rows);
const USERS = Number(args.users);
const REQUESTS = Number(args.requests);
const HEAVY_EVERY = 997; // every 997th row belongs to the heavy user (prime, so it gets every action)
const CHUNK = 1_000_000;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ISSUER = 'http://bench.local';
const AUDIENCE = 'tessera-bench';

const suffix = randomBytes(4).toString('hex');
const schema = `bench_audit_q_${suffix}`;
const topology = new Topology({ namespace: `bauq${suffix}`, eventsMaxAgeMs: 86_400_000, replicas: 1 });
const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const database = createDatabase<any>({ url: DATABASE_URL, schema, poolMax: 2, statementTimeoutMs: 3_600_000 });
const issuer = await startTokenIssuer(ISSUER, AUDIENCE);
let child: ChildProcess | null = null;

async function cleanUp(): Promise<void> {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  const nc = await connect({ servers: NATS_URL }).catch(() => null);
  if (nc) {
    const jsm = await jetstreamManager(nc);
    for (const s of Object.values(topology.streams)) await jsm.streams.delete(s.name).catch(() => {});
    await nc.close();
  }
  await database.pool.query(`drop schema if exists ${schema} cascade`).catch(() => {});
  await database.close();
  await issuer.close();
}

/** A valid v4 UUID for user k, the same in SQL and here. */
const userSql = (k: string) => sql`overlay(overlay(md5('user-' || ${sql.raw(k)}) placing '4' from 13) placing '8' from 17)::uuid`;
async function userId(k: number | 'heavy'): Promise<string> {
  const { rows } = await sql<{ id: string }>`select ${userSql(`'${k}'`)} as id`.execute(database.db);
  return rows[0]!.id;
}

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
async function measure(run: () => Promise<void>, n = REQUESTS): Promise<Stats> {
  for (let i = 0; i < Math.min(50, n); i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), max: samples.at(-1)! };
}
const show = (s: Stats) => `p50 ${s.p50.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms`;

try {
  log(`audit-trail query benchmark: rows=${fmt(ROWS)} users=${fmt(USERS)} (+1 heavy user with every ${HEAVY_EVERY}th row) requests=${REQUESTS} per query, sequential; node ${process.version}`);

  // 1. The table, from the service's migrations; secondary indexes set aside for the bulk load.
  await migrateToLatest(database.db, schema, migrations);
  const { rows: indexes } = await sql<{ name: string; definition: string }>`
    select indexname as name, indexdef as definition from pg_indexes
    where schemaname = ${schema} and tablename = 'auth_token_audit' and indexname <> 'auth_token_audit_pkey'`.execute(database.db);
  for (const index of indexes) await sql`drop index ${sql.table(index.name)}`.execute(database.db);

  let t = performance.now();
  const span = 90 * 86_400; // rows spread over the last 90 days, in stream order
  for (let from = 1; from <= ROWS; from += CHUNK) {
    const to = Math.min(ROWS, from + CHUNK - 1);
    await sql`
      insert into auth_token_audit (event_id, action, user_id, token_id, actor_kind, actor_id, client_ip, user_agent, reason, occurred_at, stream_seq, data, recorded_at)
      select (lpad(to_hex((extract(epoch from ts) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
             action, uid, case when action in ('LogoutAll', 'PasswordChanged') then null else md5(h)::uuid end,
             'user', uid::text,
             case when action in ('TokenIssued', 'TokenReuseDetected', 'TokenValidationFailed') then ('10.' || (i >> 16 & 255) || '.' || (i >> 8 & 255) || '.' || (i & 255))::inet end,
             case when action in ('TokenIssued', 'TokenReuseDetected', 'TokenValidationFailed') then 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' end,
             case action when 'TokenRevoked' then 'user logout' when 'LogoutAll' then 'logout all devices' when 'TokenValidationFailed' then 'expired' end,
             ts, i,
             jsonb_build_object('tokenType', 'ACCESS', 'familyId', md5(h || 'f')::uuid, 'expiresAt', ts + interval '15 minutes'),
             ts
      from (
        select i, h, ts,
               (array['TokenIssued','TokenIssued','TokenIssued','TokenIssued','TokenIssued','TokenIssued','TokenIssued','TokenIssued','TokenIssued','TokenIssued',
                      'TokenExpired','TokenExpired','TokenExpired','TokenRevoked','TokenRevoked','TokenRevoked','TokenValidationFailed','TokenValidationFailed',
                      'LogoutAll','TokenReuseDetected'])[1 + i % 20] as action,
               case when i % ${HEAVY_EVERY} = 0 then ${userSql("'heavy'")} else ${userSql(`(i % ${USERS})::text`)} end as uid
        from (select i, md5(i::text) as h, now() - (${ROWS} - i) * (${span}::float8 / ${ROWS}) * interval '1 second' as ts
              from generate_series(${from}::bigint, ${to}::bigint) as i) g
      ) s`.execute(database.db);
    log(`  … ${fmt(to)} rows after ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const loadMs = performance.now() - t;
  t = performance.now();
  for (const index of indexes) await sql.raw(index.definition).execute(database.db);
  await sql`vacuum analyze auth_token_audit`.execute(database.db);
  const { rows: sizes } = await sql<{ table: string; indexes: string; n: number }>`
    select pg_size_pretty(pg_table_size('auth_token_audit')) as table, pg_size_pretty(pg_indexes_size('auth_token_audit')) as indexes,
           (select count(*) from auth_token_audit)::bigint as n`.execute(database.db);
  log(`setup: ${fmt(sizes[0]!.n)} rows generated in ${(loadMs / 1000).toFixed(0)} s, ${indexes.length} indexes rebuilt + analyse in ${((performance.now() - t) / 1000).toFixed(0)} s; table ${sizes[0]!.table}, indexes ${sizes[0]!.indexes}`);

  const normal = await userId(42);
  const heavy = await userId('heavy');
  const { rows: counts } = await sql<{ user_id: string; n: number }>`
    select user_id, count(*)::bigint as n from auth_token_audit where user_id in (${normal}, ${heavy}) group by user_id`.execute(database.db);
  const rowsOf = (id: string) => counts.find((c) => c.user_id === id)?.n ?? 0;
  log(`users: normal ${normal} has ${fmt(rowsOf(normal))} rows, heavy ${heavy} has ${fmt(rowsOf(heavy))} rows`);

  // 2. The service, on the other core.
  const port = await freePort();
  child = spawn('taskset', ['-c', '1', process.execPath, '--import', 'tsx', 'services/audit/src/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL,
      DATABASE_SCHEMA: schema,
      NATS_URL,
      NATS_NAMESPACE: topology.namespace,
      EVENTS_MAX_AGE_DAYS: '1',
      JWKS_URL: issuer.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      AUDIT_RETENTION_DAYS: '36500',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let tries = 0; ; tries++) {
    if (await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false)) break;
    if (child.exitCode !== null || tries > 3_000) throw new Error('the audit service did not become ready');
    await sleep(20);
  }
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string, token: string) => {
    const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, 'user-agent': BENCH_USER_AGENT } });
    const body = (await res.json()) as { items?: unknown[]; nextCursor?: string | null };
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const normalToken = issuer.mint(normal, 'READ_TOKENS');
  const heavyToken = issuer.mint(heavy, 'READ_TOKENS');

  // A cursor deep into the heavy user's trail (5,000 rows, or half of them), found by walking it.
  const depth = Math.floor(Math.min(5_000, rowsOf(heavy) / 2) / 100) * 100;
  let deepCursor = '';
  {
    let cursor: string | null = null;
    for (let page = 0; page < depth / 100; page++) {
      const body: { nextCursor?: string | null } = await get(`/api/v1/auth/tokens/audit/${heavy}?limit=100${cursor ? `&cursor=${cursor}` : ''}`, heavyToken);
      cursor = body.nextCursor ?? null;
    }
    deepCursor = cursor!;
  }
  const weekTo = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const weekFrom = new Date(Date.now() - 37 * 86_400_000).toISOString();

  const http: Array<[string, string, string]> = [
    ['normal user, first page (limit 20)', `/api/v1/auth/tokens/audit/${normal}?limit=20`, normalToken],
    ['heavy user, first page (limit 20)', `/api/v1/auth/tokens/audit/${heavy}?limit=20`, heavyToken],
    [`heavy user, ${fmt(depth)} rows deep (cursor)`, `/api/v1/auth/tokens/audit/${heavy}?limit=20&cursor=${deepCursor}`, heavyToken],
    ['heavy user, action=LogoutAll (1 in 20)', `/api/v1/auth/tokens/audit/${heavy}?limit=20&action=LogoutAll`, heavyToken],
    ['heavy user, one week a month ago (limit 100)', `/api/v1/auth/tokens/audit/${heavy}?limit=100&from=${weekFrom}&to=${weekTo}`, heavyToken],
  ];
  const floor = await measure(async () => {
    await (await fetch(`${base}/health/live`)).arrayBuffer();
  });
  log(`anchor, HTTP floor (GET /health/live, same service): ${show(floor)}`);
  const queries: Array<{ label: string; items: number } & Stats> = [];
  for (const [label, path, token] of http) {
    const items = (await get(path, token)).items?.length ?? 0;
    const stats = await measure(async () => void (await get(path, token)));
    queries.push({ label, items, ...stats });
    log(`GET trail, ${label}: ${items} items; ${show(stats)}`);
  }

  // 3. Anchor: the same queries in-process, no HTTP and no token check.
  const direct: Array<[string, TrailRequest]> = [
    ['normal user, first page', { userId: normal, limit: 20 }],
    ['heavy user, first page', { userId: heavy, limit: 20 }],
    ['heavy user, action=LogoutAll', { userId: heavy, limit: 20, action: 'LogoutAll' }],
  ];
  const inProcess: Array<{ label: string } & Stats> = [];
  for (const [label, request] of direct) {
    const stats = await measure(async () => void (await readTrail(database.db, request)));
    inProcess.push({ label, ...stats });
    log(`anchor, readTrail in-process (${label}): ${show(stats)}`);
  }

  const { rows: plan } = await sql<{ 'QUERY PLAN': string }>`
    explain (analyze, buffers, costs off, summary off)
    select * from auth_token_audit where user_id = ${heavy} order by occurred_at desc, event_id desc limit 21`.execute(database.db);
  log(`plan, heavy user first page:\n${plan.map((r) => `    ${r['QUERY PLAN']}`).join('\n')}`);
  printResult({ rows: ROWS, users: USERS, requests: REQUESTS, heavyRows: Number(rowsOf(heavy)), floor, queries, inProcess });
} finally {
  await cleanUp();
}
