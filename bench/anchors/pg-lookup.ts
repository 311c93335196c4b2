/*
 * Anchor: the naive way to validate a token — look its hash up in PostgreSQL on every request
 * (how the reference system validated) — against Tessera's in-process verifier, same process,
 * same tokens, same concurrency, measured back to back in alternating rounds.
 *
 *   naive      SHA-256 of the token, then `select user_id, status, expires_at from access_tokens
 *              where token_hash = $1` on a pg pool (primary-key lookup in a table of --rows
 *              tokens), then status and expiry checked. No signature check: the cheapest the
 *              naive design can be.
 *   verifier   @tessera/verifier's verify(): signature, claims, and the jti/sid/sub revocation
 *              checks in its in-memory mirror of a real REVOCATIONS bucket (on the machine's NATS).
 *              "first sight": each token once (the signature is checked); "repeat": tokens it has
 *              seen (the verifier's cache; the revocation checks still run).
 *
 * Closed loop: --concurrency callers each awaiting one validation at a time, --seconds per cell
 * (first sight stops early when its distinct tokens run out), --rounds rounds, medians reported.
 *
 * Run: taskset -c 0 npx tsx bench/anchors/pg-lookup.ts [--rows 100000] [--tokens 20000] [--concurrency 16] [--pool 10] [--seconds 5] [--rounds 3]
 * PostgreSQL (DATABASE_URL) and NATS (NATS_URL) are the machine's and float over both cores.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createDatabase, ensureBucket, sql } from '@tessera/platform';
import { createVerifier, type Verifier } from '@tessera/verifier';
import { createTestIssuer } from '@tessera/verifier/testing';
import { allowedCpus, latencySummary, machine, printResult } from '../lib/stats.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    tokens: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    pool: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
  },
});
const ROWS = Number(args.rows);
const TOKENS = Number(args.tokens);
const CONCURRENCY = Number(args.concurrency);
const POOL = Number(args.pool);
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const UA = 'tessera-bench/1.0';

interface Cell {
  perS: number;
  cpuUsPerOp: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sha256 = (token: string) => createHash('sha256').update(token).digest();

/** `concurrency` callers, each awaiting `once(k)` for k = 0, 1, … until `seconds` pass or `limit` calls are made. */
async function closedLoop(seconds: number, once: (k: number) => Promise<void>, limit = Number.POSITIVE_INFINITY): Promise<Cell> {
  const latencies: number[] = [];
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < limit && performance.now() < end) {
        const k = next++;
        const t = performance.now();
        await once(k);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const s = latencySummary(latencies);
  return { perS: (latencies.length * 1000) / wall, cpuUsPerOp: (used.user + used.system) / latencies.length, p50Ms: s.p50, p99Ms: s.p99, ops: latencies.length };
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const schema = `bench_naive_${suffix}`;
  const bucket = `bench_naive_${suffix}_REVOCATIONS`;
  const database = createDatabase<any>({ url: DATABASE_URL, schema, poolMax: POOL });
  const nc = await connect({ servers: NATS_URL });
  const verifiers: Verifier[] = [];
  try {
    const issuer = await createTestIssuer();
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) tokens.push((await issuer.accessToken({ userAgent: UA, scopes: ['READ_PROFILE'] })).token);

    // The reference system's token table: one row per issued token, looked up by its hash.
    await database.pool.query(`create schema ${schema}`);
    await sql`create table access_tokens (token_hash bytea primary key, user_id uuid not null, status text not null, expires_at timestamptz not null)`.execute(database.db);
    await sql`
      insert into access_tokens select sha256(('filler-' || i)::bytea), gen_random_uuid(), case when i % 10 = 0 then 'REVOKED' else 'ACTIVE' end, now() + interval '15 minutes'
      from generate_series(1, ${Math.max(0, ROWS - TOKENS)}) as i`.execute(database.db);
    for (let i = 0; i < tokens.length; i += 1000) {
      const hashes = tokens.slice(i, i + 1000).map(sha256);
      await sql`insert into access_tokens select h, gen_random_uuid(), 'ACTIVE', now() + interval '15 minutes' from unnest(${hashes}::bytea[]) as h`.execute(database.db);
    }
    await sql`vacuum analyze access_tokens`.execute(database.db);
    const stored = Number((await sql<{ n: string }>`select count(*) as n from access_tokens`.execute(database.db)).rows[0]!.n);

    const naive = async (k: number) => {
      const { rows } = await database.pool.query('select user_id, status, expires_at from access_tokens where token_hash = $1', [sha256(tokens[k % tokens.length]!)]);
      const row = rows[0] as { status: string; expires_at: Date } | undefined;
      if (!row || row.status !== 'ACTIVE' || row.expires_at.getTime() <= Date.now()) throw new Error('naive validation refused a valid token');
    };

    // The verifier as a service would run it: a mirror of a real bucket holding some revocations.
    const kv = await ensureBucket(nc, { name: bucket, maxAgeMs: 3_600_000 });
    for (let i = 0; i < 1000; i++) await kv.put(`jti.${randomBytes(8).toString('hex')}`, JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 900, reason: 'bench', revokedAt: Date.now() }));
    const newVerifier = async () => {
      const verifier = createVerifier({ keys: issuer.jwks, issuer: issuer.issuer, audience: issuer.audience, algorithms: ['ES256'], nats: { connection: nc, bucket }, cache: { maxEntries: TOKENS * 2 } });
      await verifier.ready(30_000);
      verifiers.push(verifier);
      return verifier;
    };
    const context = { userAgent: UA };
    const verifyWith = (verifier: Verifier) => async (k: number) => {
      const result = await verifier.verify(tokens[k % tokens.length]!, context);
      if (!result.ok) throw new Error(`verifier refused a valid token: ${result.reason}`);
    };

    // Warm-up, not counted.
    await closedLoop(Math.min(1, SECONDS / 2), naive);
    {
      const warm = await newVerifier();
      await closedLoop(Math.min(1, SECONDS / 2), verifyWith(warm), Math.min(500, TOKENS));
    }
    const cells: Record<'naive' | 'first' | 'repeat', Cell[]> = { naive: [], first: [], repeat: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const verifier = await newVerifier();
      const order = round % 2 === 0 ? (['naive', 'first'] as const) : (['first', 'naive'] as const);
      for (const which of order) {
        if (which === 'naive') cells.naive.push(await closedLoop(SECONDS, naive));
        else cells.first.push(await closedLoop(SECONDS, verifyWith(verifier), TOKENS));
      }
      // Tokens the verifier has seen: the first `seen` of the list.
      const seen = cells.first.at(-1)!.ops;
      const repeat = verifyWith(verifier);
      cells.repeat.push(await closedLoop(SECONDS, (k) => repeat(k % Math.max(1, seen))));
    }
    const summary = (xs: Cell[]): Cell => ({ perS: median(xs.map((c) => c.perS)), cpuUsPerOp: median(xs.map((c) => c.cpuUsPerOp)), p50Ms: median(xs.map((c) => c.p50Ms)), p99Ms: median(xs.map((c) => c.p99Ms)), ops: median(xs.map((c) => c.ops)) });
    const result = { naive: summary(cells.naive), verifierFirst: summary(cells.first), verifierRepeat: summary(cells.repeat) };
    const pgVersion = (await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db)).rows[0]!.v;
    console.log(`naive Postgres lookup vs in-process verifier — ${machine()}; this process on CPUs ${allowedCpus()}; PostgreSQL ${pgVersion} floats over the cores`);
    console.log(`parameters: ${fmt(stored)} rows in access_tokens, ${fmt(TOKENS)} distinct ES256 tokens, concurrency ${CONCURRENCY}, pg pool ${POOL}, ${SECONDS} s per cell, ${ROUNDS} rounds (medians)`);
    const row = (label: string, c: Cell) => `  ${label.padEnd(56)} ${fmt(c.perS).padStart(9)} /s   p50 ${c.p50Ms.toFixed(2)} ms  p99 ${c.p99Ms.toFixed(2)} ms   ${c.cpuUsPerOp.toFixed(1)} µs node CPU per call`;
    console.log(row('anchor: naive, SHA-256 + Postgres lookup per request', result.naive));
    console.log(row('verifier, first sight (signature + claims + revocation)', result.verifierFirst));
    console.log(row('verifier, repeat (cached token, revocation checks)', result.verifierRepeat));
    console.log(`  verifier / naive: first sight ${(result.verifierFirst.perS / result.naive.perS).toFixed(2)}×, repeat ${(result.verifierRepeat.perS / result.naive.perS).toFixed(1)}×`);
    printResult({ rows: stored, tokens: TOKENS, concurrency: CONCURRENCY, pool: POOL, seconds: SECONDS, rounds: ROUNDS, cpus: allowedCpus(), postgres: pgVersion, ...result });
  } finally {
    for (const verifier of verifiers) await verifier.close().catch(() => undefined);
    await (await jetstreamManager(nc)).streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
    await database.pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await database.close();
  }
}

await main();
process.exit(0);
