/*
 * Sweeper benchmark (DESIGN §9: ≥ 1,000,000 expiries in under 60 s on this machine).
 *
 * Fills a fresh schedule with ROWS due tokens, then runs the real sweeper service in-process
 * (startSweeper: its durable consumer and its sweep loop, as deployed) until every row has been
 * taken, published to JetStream, acknowledged and deleted. Anchors, measured in the same run on
 * the same rows and the same batch size:
 *   - Postgres alone: the sweep's own DELETE … RETURNING transaction on a copy of the rows, no publishing;
 *   - JetStream alone: the same TokenExpired messages built and published by the sweeper's own
 *     code (tokenExpired + PipelinedPublisher), no Postgres;
 *   - the platform's standard path for the same messages: publishJson (js.publish) per message,
 *     batch-pipelined the same way — what the sweeper would cost with the stock client.
 *
 * Run: npx tsx bench/sweeper/sweep-1m.ts [--rows 1000000] [--batch 1000] [--concurrency 2] [--no-anchors] [--own-servers]
 * Uses the machine's PostgreSQL (DATABASE_URL) and NATS (NATS_URL); everything it creates has a
 * random name and is removed at the end. With --own-servers it starts a private nats-server and
 * PostgreSQL 15 cluster (fsync off, as the test harness makes them) so their CPU can be measured
 * too: CPU per expiry summed over node + nats-server + postgres does not depend on what else the
 * machine is running, unlike wall time.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createDatabase, createLogger, createRegistry, loadConfig, migrateToLatest, provisionStreams, publishJson, sql, Topology } from '@tessera/platform';
import { startNatsServer, startPostgresServer } from '@tessera/platform/testing';
import { printResult } from '../lib/stats.js';
import { createSweepPass, createSweeperMetrics, migrations, PipelinedPublisher, startSweeper, SweepLoop, SweeperConfig, tokenExpired, type SweeperDatabase } from '@tessera/sweeper';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '2' },
    users: { type: 'string', default: '10000' },
    'no-anchors': { type: 'boolean', default: false },
    'own-servers': { type: 'boolean', default: false },
    /** Diagnostic: the sweep loop alone, without the service's durable consumer (which on 2.9 also reads every TokenExpired). */
    'loop-only': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const USERS = Number(args.users);
const ownNats = args['own-servers'] ? await startNatsServer() : null;
const ownPostgres = args['own-servers'] ? await startPostgresServer() : null;
const DATABASE_URL = ownPostgres?.url ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = ownNats?.url ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** CPU ms used so far by the private servers (postmaster + its live children + reaped children). */
function serverCpuMs(): { nats: number; postgres: number } | null {
  if (!ownNats || !ownPostgres) return null;
  const stats = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ').map(Number);
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return [{ pid: Number(pid), ppid: f[1]!, own: (f[11]! + f[12]!) * 10, reaped: (f[13]! + f[14]!) * 10, cmd }];
      } catch {
        return [];
      }
    });
  const nats = stats.find((p) => p.cmd.includes('nats-server') && p.cmd.includes(`-p ${new URL(ownNats.url).port} `));
  const postmaster = stats.find((p) => p.cmd.includes('bin/postgres') && p.cmd.includes(`-p ${ownPostgres.port} `));
  if (!nats || !postmaster) throw new Error('private servers not found in /proc');
  const backends = stats.filter((p) => p.ppid === postmaster.pid);
  return { nats: nats.own, postgres: postmaster.own + postmaster.reaped + backends.reduce((a, b) => a + b.own, 0) };
}

const suffix = randomBytes(4).toString('hex');
const schema = `bench_sweeper_${suffix}`;
const topology = (namespace: string) => new Topology({ namespace, eventsMaxAgeMs: 86_400_000, replicas: 1 });
const sweepTopology = topology(`bsw${suffix}`);
const anchorTopology = topology(`bswa${suffix}`);
const libraryTopology = topology(`bswl${suffix}`);

type Row = { token_id: string; user_id: string; family_id: string; token_type: 'ACCESS' | 'REFRESH'; expires_at: Date };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const secs = (ms: number) => (ms / 1000).toFixed(2);
const perSecond = (n: number, ms: number) => fmt((n * 1000) / ms);
const log = (line: string) => process.stdout.write(`${line}\n`);
/** This process's CPU (user + system) per row, in µs: unaffected by what else runs on the machine. */
const cpuPerRow = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return ((used.user + used.system) / ROWS).toFixed(1);
};

const database = createDatabase<SweeperDatabase>({ url: DATABASE_URL, schema, poolMax: 4, statementTimeoutMs: 600_000 });
const nc = await connect({ servers: NATS_URL });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
const storedIn = async (t: Topology) => (await jsm.streams.info(t.streams.tokenEvents.name)).state.messages;
const deleteStreams = async (t: Topology) => {
  for (const s of Object.values(t.streams)) await jsm.streams.delete(s.name).catch(() => {});
};

/** ROWS tokens, all due (expired within the last hour), a third of them refresh tokens; and a copy for the Postgres anchor. */
async function fillSchedule(): Promise<void> {
  await migrateToLatest(database.db, schema, migrations);
  await sql`
    insert into expiry_schedule (token_id, user_id, family_id, token_type, issued_at, expires_at)
    select gen_random_uuid(),
           ('00000000-0000-4000-8000-' || lpad(to_hex(i % ${USERS}), 12, '0'))::uuid,
           gen_random_uuid(),
           case when i % 3 = 0 then 'REFRESH' else 'ACCESS' end,
           e - interval '15 minutes', e
    from (select i, now() - interval '1 second' - random() * interval '1 hour' as e from generate_series(1, ${ROWS}) as i) s`.execute(database.db);
  await sql`create table anchor_schedule (like expiry_schedule including all)`.execute(database.db);
  await sql`insert into anchor_schedule select * from expiry_schedule`.execute(database.db);
  await sql`vacuum analyze expiry_schedule`.execute(database.db);
  await sql`vacuum analyze anchor_schedule`.execute(database.db);
}

/** The sweep's transaction without the publishing: take BATCH due rows, delete them, commit. */
async function anchorPostgres(): Promise<number> {
  const started = performance.now();
  for (let taken = -1; taken !== 0; ) {
    const now = new Date();
    taken = await database.db.transaction().execute(async (trx) => {
      const { rows } = await sql`
        delete from anchor_schedule where token_id = any(array(
          select token_id from anchor_schedule where expires_at <= ${now} order by expires_at limit ${BATCH} for update skip locked))
        returning token_id, user_id, family_id, token_type, expires_at`.execute(trx);
      return rows.length;
    });
  }
  return performance.now() - started;
}

/** The sweep's publishing without Postgres: same events, same publisher, same batches. */
async function anchorJetStream(rows: Row[]): Promise<number> {
  await provisionStreams(nc, anchorTopology);
  const publisher = new PipelinedPublisher(nc, { stream: anchorTopology.streams.tokenEvents.name });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    await publisher.publishAll(rows.slice(i, i + BATCH).map((row) => tokenExpired(row, anchorTopology)));
  }
  const ms = performance.now() - started;
  publisher.close();
  if ((await storedIn(anchorTopology)) !== rows.length) throw new Error('JetStream anchor: not every message was stored');
  await deleteStreams(anchorTopology);
  return ms;
}

/** The same messages through the stock client (publishJson → js.publish), pipelined per batch. */
async function anchorLibrary(rows: Row[]): Promise<number> {
  await provisionStreams(nc, libraryTopology);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += BATCH) {
    await Promise.all(
      rows.slice(i, i + BATCH).map((row) => {
        const a = tokenExpired(row, libraryTopology);
        return publishJson(js, a.subject, a.event, { msgId: a.msgId });
      }),
    );
  }
  const ms = performance.now() - started;
  await deleteStreams(libraryTopology);
  return ms;
}

/** The real service from start until the stream has a TokenExpired for every row and the schedule is empty. */
async function sweep(): Promise<{ ms: number; left: number; stored: number; batches: number; meanBatchMs: number }> {
  const config = loadConfig(SweeperConfig, {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NATS_URL,
    NATS_NAMESPACE: sweepTopology.namespace,
    DATABASE_URL,
    DATABASE_SCHEMA: schema,
    SWEEP_BATCH_SIZE: String(BATCH),
    SWEEP_CONCURRENCY: String(CONCURRENCY),
    SWEEP_INTERVAL_MS: '1000',
  });
  const started = performance.now();
  const logger = createLogger({ service: 'sweeper-bench', level: 'warn' });
  const sweeper = args['loop-only'] ? await startLoopOnly(config, logger) : await startSweeper(config, logger);
  const series = async (metric: string, name: string) =>
    (await sweeper.registry.getSingleMetric(metric)?.get())?.values.find((v) => ((v as { metricName?: string }).metricName ?? metric) === name && v.labels['kind'] === 'expired')?.value ?? 0;
  let progressAt = started;
  while ((await series('sweeper_events_emitted_total', 'sweeper_events_emitted_total')) < ROWS) {
    await new Promise((r) => setTimeout(r, 20));
    if (performance.now() - progressAt >= 10_000) {
      progressAt = performance.now();
      log(`  … ${fmt(await series('sweeper_events_emitted_total', 'sweeper_events_emitted_total'))} after ${secs(progressAt - started)} s`);
    }
  }
  const ms = performance.now() - started;
  const batches = await series('sweeper_batch_duration_seconds', 'sweeper_batch_duration_seconds_count');
  const totalBatchSeconds = await series('sweeper_batch_duration_seconds', 'sweeper_batch_duration_seconds_sum');
  await sweeper.stop();
  const left = (await sql<{ n: number }>`select count(*)::int as n from expiry_schedule`.execute(database.db)).rows[0]?.n ?? -1;
  return { ms, left, stored: await storedIn(sweepTopology), batches, meanBatchMs: (totalBatchSeconds * 1000) / Math.max(1, batches) };
}

/** The sweep loop as the service builds it, without the HTTP server and the schedule consumer. */
async function startLoopOnly(config: SweeperConfig, logger: ReturnType<typeof createLogger>) {
  await provisionStreams(nc, sweepTopology);
  const registry = createRegistry('sweeper-bench');
  const sweepDb = createDatabase<SweeperDatabase>({ url: DATABASE_URL, schema, poolMax: config.DATABASE_POOL_MAX });
  const publisher = new PipelinedPublisher(nc, { stream: sweepTopology.streams.tokenEvents.name });
  const loop = new SweepLoop({
    logger,
    intervalMs: config.SWEEP_INTERVAL_MS,
    concurrency: config.SWEEP_CONCURRENCY,
    pass: createSweepPass({
      db: sweepDb.db,
      publisher,
      topology: sweepTopology,
      metrics: createSweeperMetrics(registry, async () => 0),
      batchSize: config.SWEEP_BATCH_SIZE,
      tombstoneGraceMs: 0,
      cutoffRetentionMs: 86_400_000,
    }),
  });
  loop.start();
  return {
    registry,
    stop: async () => {
      await loop.stop();
      publisher.close();
      await sweepDb.close();
    },
  };
}

try {
  log(`sweeper benchmark: rows=${fmt(ROWS)} batch=${BATCH} concurrency=${CONCURRENCY} users=${fmt(USERS)}; node ${process.version}, nats-server ${nc.info?.version}, PostgreSQL ${(await sql<{ v: string }>`select current_setting('server_version') as v`.execute(database.db)).rows[0]?.v}`);
  log(`${ownNats ? 'private nats-server and PostgreSQL (fsync off)' : "the machine's nats-server and PostgreSQL"}; 2 cores, unpinned: the sweeper (node), nats-server and postgres share both; load average at start ` + (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' '));
  let t = performance.now();
  await fillSchedule();
  log(`setup: ${fmt(ROWS)} due rows (and an anchor copy) in ${secs(performance.now() - t)} s`);

  let anchors: { pg: number; js: number; lib: number } | null = null;
  if (!args['no-anchors']) {
    const rows = (await sql<Row>`select token_id, user_id, family_id, token_type, expires_at from expiry_schedule order by expires_at`.execute(database.db)).rows;
    let cpu = process.cpuUsage();
    const pg = await anchorPostgres();
    log(`anchor, Postgres only   (take + delete + commit per batch):        ${secs(pg)} s  ${perSecond(ROWS, pg)} rows/s   node CPU ${cpuPerRow(cpu)} µs/row`);
    cpu = process.cpuUsage();
    const jsMs = await anchorJetStream(rows);
    log(`anchor, JetStream only  (build + PipelinedPublisher, acked):        ${secs(jsMs)} s  ${perSecond(ROWS, jsMs)} msg/s   node CPU ${cpuPerRow(cpu)} µs/msg`);
    cpu = process.cpuUsage();
    const lib = await anchorLibrary(rows);
    log(`reference, stock client (build + publishJson/js.publish, acked):   ${secs(lib)} s  ${perSecond(ROWS, lib)} msg/s   node CPU ${cpuPerRow(cpu)} µs/msg`);
    anchors = { pg, js: jsMs, lib };
  }

  const cpu = process.cpuUsage();
  const serversBefore = serverCpuMs();
  const result = await sweep();
  const sweepCpu = cpuPerRow(cpu);
  const serversAfter = serverCpuMs();
  log(`sweep (${args['loop-only'] ? 'loop only, no consumer' : 'startSweeper'}):   ${fmt(ROWS)} taken, published, acked, deleted in ${secs(result.ms)} s = ${perSecond(ROWS, result.ms)} expiries/s`);
  log(`  node CPU ${sweepCpu} µs per expiry (sweep loop${args['loop-only'] ? '' : ' + the durable consumer reading every TokenExpired back, as on nats-server 2.9'})`);
  let serverCpu: { natsUsPerExpiry: number; postgresUsPerExpiry: number; totalUsPerExpiry: number } | null = null;
  if (serversBefore && serversAfter) {
    const natsUs = ((serversAfter.nats - serversBefore.nats) * 1000) / ROWS;
    const pgUs = ((serversAfter.postgres - serversBefore.postgres) * 1000) / ROWS;
    const total = Number(sweepCpu) + natsUs + pgUs;
    serverCpu = { natsUsPerExpiry: natsUs, postgresUsPerExpiry: pgUs, totalUsPerExpiry: total };
    log(`  nats-server CPU ${natsUs.toFixed(1)} µs, postgres CPU ${pgUs.toFixed(1)} µs per expiry; all three ${total.toFixed(1)} µs → with both cores to itself: ${fmt(2e6 / total)}/s, ${secs((total * 1_000_000) / 2 / 1000)} s per million`);
  }
  log(`  ${fmt(result.batches)} batches, mean ${result.meanBatchMs.toFixed(1)} ms each (${CONCURRENCY} at a time); rows left ${result.left}; TokenExpired stored ${fmt(result.stored)}`);
  if (anchors) log(`  anchors back to back would take ${secs(anchors.pg + anchors.js)} s; the sweep took ${((result.ms / (anchors.pg + anchors.js)) * 100).toFixed(0)} % of that`);
  const met = result.ms < 60_000 && result.left === 0 && result.stored === ROWS;
  log(`goal (1,000,000 in < 60 s): ${ROWS >= 1_000_000 ? (met ? 'met' : 'NOT met') : 'n/a at this row count'}`);
  printResult({
    rows: ROWS,
    batch: BATCH,
    concurrency: CONCURRENCY,
    users: USERS,
    loopOnly: args['loop-only'],
    ownServers: args['own-servers'],
    serverCpu,
    sweep: { seconds: result.ms / 1000, expiriesPerS: (ROWS * 1000) / result.ms, cpuUsPerExpiry: Number(sweepCpu), left: result.left, stored: result.stored, batches: result.batches, meanBatchMs: result.meanBatchMs },
    anchors: anchors && { postgresOnlyPerS: (ROWS * 1000) / anchors.pg, jetstreamOnlyPerS: (ROWS * 1000) / anchors.js, stockClientPerS: (ROWS * 1000) / anchors.lib, backToBackSeconds: (anchors.pg + anchors.js) / 1000 },
  });
} finally {
  await deleteStreams(sweepTopology);
  await deleteStreams(anchorTopology);
  await deleteStreams(libraryTopology);
  await database.pool.query(`drop schema if exists ${schema} cascade`).catch(() => {});
  await database.close();
  await nc.close();
  await ownNats?.dispose();
  await ownPostgres?.dispose();
}
