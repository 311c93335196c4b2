/**
 * Refresh throughput: POST /api/v1/auth/refresh end to end (Postgres rotation transaction, ES256
 * signing, two TokenIssued events in the outbox, published to JetStream right after commit).
 *
 * Anchor, same run: a bare Postgres transaction doing one single-row UPDATE and one INSERT (what
 * a rotation must at least cost) from a pg pool of the same size at the same concurrency.
 *
 *   taskset -c 0 npx tsx bench/token-api/refresh.bench.ts
 *   (server pinned to SERVER_CPUS, default 1; CONCURRENCY 32, DURATION_S 15, WARMUP_S 3)
 */
import { randomBytes } from 'node:crypto';
import { importFromTokenApi, tokenApiRequire, type PgModule } from './lib/deps.js';
import { DATABASE_URL, NATS_URL, envNumber, freePort, machineAndPinning } from './lib/env.js';
import { fmt, postJson, runLoad } from './lib/load.js';
import { cpuSeconds, startServer } from './lib/server.js';
import { printResult } from '../lib/stats.js';

const CONCURRENCY = envNumber('CONCURRENCY', 32);
const DURATION_MS = envNumber('DURATION_S', 15) * 1000;
const WARMUP_MS = envNumber('WARMUP_S', 3) * 1000;
const POOL = envNumber('POOL', 20);
const SERVER_CPUS = process.env.SERVER_CPUS ?? '1';
const UA = 'tessera-bench/1.0';

const pg = tokenApiRequire('pg') as PgModule;

async function anchor(schema: string) {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: POOL, options: `-c search_path=${schema}` });
  await pool.query('create table if not exists anchor_rows (id int primary key, n int not null)');
  await pool.query('create table if not exists anchor_log (id bigserial primary key, row_id int not null, at timestamptz not null)');
  await pool.query('insert into anchor_rows select g, 0 from generate_series(0, $1) g on conflict do nothing', [CONCURRENCY]);
  const result = await runLoad({
    concurrency: CONCURRENCY,
    warmupMs: WARMUP_MS,
    durationMs: DURATION_MS,
    once: async (i) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('update anchor_rows set n = n + 1 where id = $1', [i]);
        await client.query('insert into anchor_log (row_id, at) values ($1, now())', [i]);
        await client.query('commit');
      } finally {
        client.release();
      }
    },
  });
  await pool.end();
  return result;
}

async function main() {
  const server = await startServer({ port: await freePort(), cpus: SERVER_CPUS, env: { DATABASE_POOL_MAX: String(POOL) } });
  const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  try {
    // The anchor runs before and after the service, so a change in what else the machine is
    // doing during the run shows as a spread instead of skewing the ratio.
    const bareBefore = await anchor(server.schema);
    const tokens: string[] = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const email = `bench-${i}-${randomBytes(3).toString('hex')}@example.com`;
      const password = 'bench password 123';
      if ((await postJson(`${server.url}/api/v1/users`, { email, password })).status !== 201) throw new Error('register failed');
      const login = await postJson(`${server.url}/api/v1/auth/login`, { email, password }, { 'user-agent': UA });
      if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
      tokens.push(login.body.refresh_token);
    }

    const cpuBefore = cpuSeconds(server.child.pid!);
    const refresh = await runLoad({
      concurrency: CONCURRENCY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      once: async (i) => {
        const res = await postJson(`${server.url}/api/v1/auth/refresh`, { refresh_token: tokens[i] }, { 'user-agent': UA });
        if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
        tokens[i] = res.body.refresh_token;
      },
    });

    // Includes the warm-up: CPU per request is the server's own cost, whatever else shares its core.
    const serverCpuMs = ((cpuSeconds(server.child.pid!) - cpuBefore) * 1000) / (refresh.requests * ((refresh.seconds * 1000 + WARMUP_MS) / (refresh.seconds * 1000)));
    // Every event committed must have reached JetStream (published_at is set only on its ack).
    let unpublished = -1;
    for (let i = 0; i < 50 && unpublished !== 0; i++) {
      unpublished = Number((await db.query(`select count(*) from ${server.schema}.token_events where published_at is null`)).rows[0].count);
      if (unpublished !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    const events = Number((await db.query(`select count(*) from ${server.schema}.token_events`)).rows[0].count);
    const { connect } = await importFromTokenApi<typeof import('@nats-io/transport-node')>('@nats-io/transport-node');
    const { jetstreamManager } = await importFromTokenApi<typeof import('@nats-io/jetstream')>('@nats-io/jetstream');
    const nc = await connect({ servers: NATS_URL });
    const info = await (await jetstreamManager(nc)).streams.info(`${server.namespace}_TOKEN_EVENTS`);
    await nc.close();

    const bareAfter = await anchor(server.schema);
    const anchorRps = (bareBefore.rps + bareAfter.rps) / 2;
    const pgVersion = (await db.query('show server_version')).rows[0].server_version;

    console.log(`token-api refresh benchmark — ${machineAndPinning()}; server on CPUs ${SERVER_CPUS}; PostgreSQL ${pgVersion}, pool ${POOL}; concurrency ${CONCURRENCY}; ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s measured`);
    console.log(`  refresh (rotation tx + ES256 + 2 events → JetStream): ${fmt(refresh)}`);
    console.log(`  anchor before, bare PG tx (1-row UPDATE + INSERT):     ${fmt(bareBefore)}`);
    console.log(`  anchor after:                                          ${fmt(bareAfter)}`);
    console.log(`  token-api process CPU per refresh: ${serverCpuMs.toFixed(2)} ms (≈ ${(1000 / serverCpuMs).toFixed(0)} refresh/s per fully available core)`);
    console.log(`  refresh / mean anchor: ${((refresh.rps / anchorRps) * 100).toFixed(0)} %`);
    console.log(`  events: ${events} committed, ${unpublished} unpublished after the run, ${info.state.messages} in the stream`);
    console.log(`  load generator (this process) CPU while measuring: ${(refresh.generatorCpuCores * 100).toFixed(0)} % of a core`);
    printResult({ concurrency: CONCURRENCY, pool: POOL, warmupS: WARMUP_MS / 1000, durationS: DURATION_MS / 1000, serverCpus: SERVER_CPUS, postgres: pgVersion, refresh, anchorBefore: bareBefore, anchorAfter: bareAfter, anchorRps, serverCpuMsPerRefresh: serverCpuMs, events, unpublished, streamMessages: info.state.messages });
    await db.query(`drop schema ${server.schema} cascade`);
  } finally {
    await db.end();
    await server.stop();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
