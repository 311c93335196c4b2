/*
 * Audit projection benchmark (DESIGN §9: audit projection ≥ 5,000 events/s).
 *
 * 1. Anchors, same run, same rows, no NATS: the projection's own multi-row statement
 *    (insertAuditRows: one `insert … select from unnest(…) on conflict do nothing` per batch), and
 *    a plain multi-row `insert … values (…),(…) on conflict do nothing` of the same batches.
 * 2. Drain: the stream is pre-filled with EVENTS events, then the real audit service (main.ts, a
 *    child process) starts and its durable consumer projects the backlog: events/s from ready to
 *    the last row.
 * 3. Sustained: events published at RATE/s for SECONDS s with occurredAt = publish time; the
 *    projection delay (occurredAt → row) at that rate, from the service's histogram (→ commit)
 *    and exactly from the rows (→ insert start, recorded_at).
 * 4. A full rebuild from the stream while the service runs: replay rate and swap lock time.
 *
 * Run: taskset -c 0 npx tsx bench/audit/projection.ts [--events 200000] [--batch 500] [--rate 5000] [--seconds 20] [--profile DIR]
 * The service child runs under `taskset -c 1`; PostgreSQL and nats-server are the machine's and
 * float over both cores. Needs DATABASE_URL / NATS_URL (defaults 127.0.0.1). Cleans up after itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { insertAuditRows, migrations, rebuildProjection, toAuditRow } from '@tessera/audit';
import { createDatabase, createLogger, migrateToLatest, provisionStreams, publishJson, sql, Topology } from '@tessera/platform';
import { printResult } from '../lib/stats.js';
import { benchEvent, freePort, histogramBuckets, histogramQuantile, percentile, userIds, uuidv7 } from './support.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '500' },
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    users: { type: 'string', default: '20000' },
    /** Writes a V8 CPU profile of the service process into this directory. */
    profile: { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const BATCH = Number(args.batch);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const PUBLISH_WINDOW = 2_000;

const suffix = randomBytes(4).toString('hex');
const schema = `bench_audit_${suffix}`;
const anchorSchemas = [`bench_audit_unnest_${suffix}`, `bench_audit_values_${suffix}`];
const topology = new Topology({ namespace: `bau${suffix}`, eventsMaxAgeMs: 86_400_000, replicas: 1 });

const log = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Every wait below is bounded: a stuck projection ends the run instead of hanging it. */
const deadline = (what: string, ms = 600_000) => {
  const end = performance.now() + ms;
  return () => {
    if (performance.now() > end) throw new Error(`gave up waiting for ${what} after ${ms / 1000} s`);
  };
};
const cpus = (readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\s*(\S+)/) ?? [])[1];

const nc = await connect({ servers: NATS_URL });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
const database = createDatabase<any>({ url: DATABASE_URL, schema, poolMax: 2, statementTimeoutMs: 600_000 });
let child: ChildProcess | null = null;

async function cleanUp(): Promise<void> {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  for (const s of Object.values(topology.streams)) await jsm.streams.delete(s.name).catch(() => {});
  for (const s of [schema, ...anchorSchemas]) await database.pool.query(`drop schema if exists ${s} cascade`).catch(() => {});
  await database.close();
  await nc.close();
}

/** Publishes `count` events built by `make`, at most PUBLISH_WINDOW unacknowledged. */
async function publishPipelined(count: number, make: (i: number) => ReturnType<typeof benchEvent>): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const event = make(i);
    const p = publishJson(js, topology.tokenEventSubject(event.type, event.userId), event, { msgId: event.id }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= PUBLISH_WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}
/** A sample without labels beyond the registry's default ones (`service`). */
function counter(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

try {
  log(`audit projection benchmark: events=${fmt(EVENTS)} batch=${BATCH} rate=${fmt(RATE)}/s for ${SECONDS} s, node ${process.version}, nats-server ${nc.info?.version}, bench process on CPUs ${cpus}, service on CPU 1`);
  const users = userIds(Number(args.users));

  // 1. Anchors: the same rows, written straight to Postgres (A is run again after the projection,
  //    so the load the machine was under shows as the spread between the two).
  const rows = Array.from({ length: EVENTS }, (_, i) => toAuditRow(benchEvent(i, users), i + 1));
  const anchorA: number[] = [];
  let anchorB = Number.NaN;
  const runAnchor = async (k: number, anchorSchema: string, label: string) => {
    const anchorDb = createDatabase<any>({ url: DATABASE_URL, schema: anchorSchema, poolMax: 1, statementTimeoutMs: 600_000 });
    await migrateToLatest(anchorDb.db, anchorSchema, migrations);
    const t = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      if (k === 0) await insertAuditRows(anchorDb.db, batch);
      else
        await anchorDb.db
          .insertInto('auth_token_audit')
          .values(
            batch.map((r) => ({
              event_id: r.eventId,
              action: r.action,
              user_id: r.userId,
              token_id: r.tokenId,
              actor_kind: r.actorKind,
              actor_id: r.actorId,
              client_ip: r.clientIp,
              user_agent: r.userAgent,
              reason: r.reason,
              occurred_at: r.occurredAt,
              stream_seq: r.streamSeq,
              data: r.data,
            })),
          )
          .onConflict((oc: any) => oc.column('event_id').doNothing())
          .execute();
    }
    const ms = performance.now() - t;
    const stored = Number((await sql<{ n: number }>`select count(*)::bigint as n from auth_token_audit`.execute(anchorDb.db)).rows[0]!.n);
    if (k === 0) anchorA.push((EVENTS * 1000) / ms);
    else anchorB = (EVENTS * 1000) / ms;
    log(`anchor ${label}: ${fmt(EVENTS)} rows in ${(ms / 1000).toFixed(2)} s = ${fmt((EVENTS * 1000) / ms)} rows/s (stored ${fmt(stored)})`);
    await anchorDb.pool.query(`drop schema ${anchorSchema} cascade`);
    await anchorDb.close();
  };
  await runAnchor(0, anchorSchemas[0]!, `A, the projection's statement (unnest), batches of ${BATCH}, no NATS`);
  await runAnchor(1, anchorSchemas[1]!, `B, insert … values (…),(…) of the same batches       `);

  // 2. Pre-fill the stream, then start the service and let it drain the backlog.
  await provisionStreams(nc, topology);
  let t = performance.now();
  await publishPipelined(EVENTS, (i) => benchEvent(i, users));
  const stored = (await jsm.streams.info(topology.streams.tokenEvents.name)).state.messages;
  log(`stream pre-filled: ${fmt(stored)} events in ${((performance.now() - t) / 1000).toFixed(2)} s`);

  const port = await freePort();
  t = performance.now();
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  child = spawn('taskset', ['-c', '1', process.execPath, ...profile, '--import', 'tsx', 'services/audit/src/main.ts'], {
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
      AUDIT_BATCH_SIZE: String(BATCH),
      AUDIT_LAG_POLL_INTERVAL_MS: '500',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const readyDeadline = deadline('the service to be ready', 60_000);
  for (;;) {
    readyDeadline();
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (child.exitCode !== null) throw new Error(`audit exited with ${child.exitCode}`);
    await sleep(20);
  }
  const readyAt = performance.now();
  const rowsAtReady = counter(await metrics(port), 'audit_rows_written_total');
  let written = rowsAtReady;
  let maxPending = 0;
  let lastReport = readyAt;
  const drainDeadline = deadline('the drain');
  while (written < EVENTS) {
    drainDeadline();
    await sleep(50);
    const text = await metrics(port);
    written = counter(text, 'audit_rows_written_total');
    maxPending = Math.max(maxPending, counter(text, 'audit_consumer_pending_messages'));
    if (performance.now() - lastReport > 5_000) {
      lastReport = performance.now();
      log(`  … ${fmt(written)} rows after ${((lastReport - readyAt) / 1000).toFixed(1)} s`);
    }
  }
  const doneAt = performance.now();
  const drainRate = ((EVENTS - rowsAtReady) * 1000) / (doneAt - readyAt);
  const drainSeconds = (doneAt - readyAt) / 1000;
  log(
    `drain: ${fmt(EVENTS)} events projected; from ready (${fmt(rowsAtReady)} already written) to the last row ${((doneAt - readyAt) / 1000).toFixed(2)} s = ${fmt(drainRate)} events/s` +
      ` (process start to last row ${((doneAt - t) / 1000).toFixed(2)} s; lag gauge peaked at ${fmt(maxPending)})`,
  );

  // 3. Sustained rate: delay from occurredAt to the row.
  const prepared = Array.from({ length: Math.min(50_000, RATE * SECONDS) }, (_, i) => benchEvent(EVENTS + i, users));
  const before = histogramBuckets(await metrics(port), 'audit_projection_delay_seconds');
  const start = performance.now();
  let sent = 0;
  let lagPeak = 0;
  const inFlight = new Set<Promise<unknown>>();
  const lagPoll = setInterval(() => {
    void metrics(port).then((text) => (lagPeak = Math.max(lagPeak, counter(text, 'audit_consumer_pending_messages'))), () => {});
  }, 500);
  while (performance.now() - start < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * RATE);
    while (sent < due) {
      // Built (and validated) ahead; stamped as it is published, so the delay starts here.
      const event = { ...prepared[sent % prepared.length]!, id: uuidv7(), occurredAt: new Date().toISOString() };
      const p = publishJson(js, topology.tokenEventSubject(event.type, event.userId), event, { msgId: event.id }).finally(() => inFlight.delete(p));
      inFlight.add(p);
      sent++;
      if (inFlight.size >= PUBLISH_WINDOW) await Promise.race(inFlight);
    }
    await sleep(2);
  }
  await Promise.all(inFlight);
  const publishMs = performance.now() - start;
  const catchUp = deadline('the sustained events', 120_000);
  while (counter(await metrics(port), 'audit_rows_written_total') < EVENTS + sent) {
    catchUp();
    await sleep(20);
  }
  clearInterval(lagPoll);
  const after = histogramBuckets(await metrics(port), 'audit_projection_delay_seconds');
  const { rows: delays } = await sql<{ ms: number }>`
    select extract(epoch from (recorded_at - occurred_at)) * 1000 as ms from auth_token_audit where stream_seq > ${EVENTS}`.execute(database.db);
  const sorted = delays.map((d) => Number(d.ms)).sort((a, b) => a - b);
  const q = (p: number) => (histogramQuantile(before, after, p) * 1000).toFixed(1);
  const sustained = {
    sent,
    offeredPerS: (sent * 1000) / publishMs,
    lagPeak,
    committedMs: { p50: Number(q(0.5)), p90: Number(q(0.9)), p99: Number(q(0.99)) },
    insertStartMs: { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN },
  };
  log(`sustained: ${fmt(sent)} events at ${fmt((sent * 1000) / publishMs)}/s offered for ${(publishMs / 1000).toFixed(1)} s, all projected; lag gauge peak ${fmt(lagPeak)}`);
  log(`  delay occurredAt → row committed (service histogram, interpolated): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms`);
  log(
    `  delay occurredAt → insert start (recorded_at, exact, n=${fmt(sorted.length)}): p50 ${percentile(sorted, 50).toFixed(1)} ms, p90 ${percentile(sorted, 90).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
  );
  // 4. A rebuild of the whole projection from the stream while the service keeps projecting.
  const rebuildDb = createDatabase<any>({ url: DATABASE_URL, schema, poolMax: 3, statementTimeoutMs: 600_000 });
  const rebuilt = await rebuildProjection({
    db: rebuildDb.db,
    pool: rebuildDb.pool,
    nc,
    topology,
    logger: createLogger({ service: 'audit-bench', level: 'warn' }),
    retentionDays: 36_500,
  });
  await rebuildDb.close();
  log(
    `rebuild (in this process, service running): ${fmt(rebuilt.replayed)} events replayed in ${(rebuilt.durationMs / 1000).toFixed(2)} s = ${fmt((rebuilt.replayed * 1000) / rebuilt.durationMs)} events/s; ` +
      `${fmt(rebuilt.rows)} rows after the swap; live table locked ${rebuilt.lockedMs} ms`,
  );

  child.kill('SIGTERM');
  await new Promise((r) => child!.once('exit', r));
  await runAnchor(0, anchorSchemas[0]!, `A again, after the projection run                  `);
  const [a1 = 0, a2 = 0] = anchorA;
  const result = {
    events: EVENTS,
    batch: BATCH,
    rate: RATE,
    seconds: SECONDS,
    users: Number(args.users),
    drain: { eventsPerS: drainRate, seconds: drainSeconds, rowsAtReady, maxPending },
    anchorUnnestPerS: anchorA,
    anchorValuesPerS: anchorB,
    sustained,
    rebuild: { replayed: rebuilt.replayed, eventsPerS: (rebuilt.replayed * 1000) / rebuilt.durationMs, rows: rebuilt.rows, lockedMs: rebuilt.lockedMs },
  };
  log(
    `goal ≥ 5,000 events/s: ${drainRate >= 5_000 ? 'met' : 'NOT met'} (drain ${fmt(drainRate)} events/s through NATS = ${((100 * drainRate) / Math.max(a1, a2)).toFixed(0)}–${((100 * drainRate) / Math.min(a1, a2)).toFixed(0)} % of anchor A's ${fmt(Math.min(a1, a2))}–${fmt(Math.max(a1, a2))} rows/s)`,
  );
  printResult(result);
} finally {
  await cleanUp();
}
