// Rebuilds the projection from the stream into a fresh table and swaps it in, while the live
// projection keeps writing and the API keeps reading the live table.
//
//   1. Note the stream's first and last sequence (F, L).
//   2. Replay 1..L through an ordered consumer into `auth_token_audit_rebuild`.
//   3. Copy the live rows whose events aged out of the stream (sequence < F): they cannot be
//      re-derived and are kept as they are.
//   4. In one transaction: lock the live table (live writers wait, briefly), copy the live rows
//      that arrived during the replay (sequence > L), drop the live table, rename the new one
//      and its indexes to the live names. Statements waiting on the lock re-resolve the name
//      and continue on the new table.
// Rows are keyed by event id, so an event written by both sides lands once.
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseTokenEvent } from '@tessera/contracts';
import { AppError, type Logger, type Topology } from '@tessera/platform';
import { sql, type Kysely, type Transaction } from 'kysely';
import type pg from 'pg';
import { AUDIT_TABLE, type AuditDatabase } from '../db.js';
import { toAuditRow, type ProjectedRow } from '../projection/to-row.js';
import { insertAuditRows } from '../projection/write-rows.js';
import { swapIndexNames } from './index-names.js';

export const REBUILD_TABLE = `${AUDIT_TABLE}_rebuild`;

export interface RebuildOptions {
  db: Kysely<AuditDatabase>;
  /** For the session-level advisory lock that keeps rebuilds one at a time across replicas. */
  pool: pg.Pool;
  nc: NatsConnection;
  topology: Topology;
  logger: Logger;
  /** Events older than this are not replayed: retention would purge them anyway. */
  retentionDays: number;
  batchSize?: number;
  now?: () => number;
  signal?: AbortSignal;
  onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildProgress {
  replayed: number;
  targetSequence: number;
}

export interface RebuildResult extends RebuildProgress {
  /** Stream messages not replayed: invalid (dead-lettered by the live consumer too) or past retention. */
  skipped: number;
  /** Live rows copied as they were: written after the replay's target, or aged out of the stream. */
  carriedOver: number;
  rows: number;
  durationMs: number;
  /** How long the live table was locked for the swap (writers and readers waited this long). */
  lockedMs: number;
}

export class RebuildInProgressError extends AppError {
  constructor() {
    super(409, 'conflict', 'A projection rebuild is already running');
  }
}

/** Per schema, so deployments (and test files) sharing a database do not block each other. */
const LOCK_KEY = `hashtext('tessera:audit:rebuild:' || current_schema())`;

/** Holds the rebuild lock on its own connection; released by `release`. */
export interface RebuildLock {
  release(): Promise<void>;
}

export async function acquireRebuildLock(pool: pg.Pool): Promise<RebuildLock> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(`select pg_try_advisory_lock(${LOCK_KEY}) as locked`);
    if (!rows[0]?.locked) throw new RebuildInProgressError();
  } catch (error) {
    client.release();
    throw error;
  }
  return {
    release: async () => {
      try {
        await client.query(`select pg_advisory_unlock(${LOCK_KEY})`);
        client.release();
      } catch (error) {
        // Dropping the connection releases a session lock too.
        client.release(error as Error);
      }
    },
  };
}

/** Runs a whole rebuild under the lock (taken here unless the caller passes one it holds). */
export async function rebuildProjection(options: RebuildOptions, heldLock?: RebuildLock): Promise<RebuildResult> {
  const lock = heldLock ?? (await acquireRebuildLock(options.pool));
  try {
    return await rebuildUnderLock(options);
  } finally {
    await sql`drop table if exists ${sql.table(REBUILD_TABLE)}`.execute(options.db).catch(() => {});
    await lock.release();
  }
}

async function rebuildUnderLock(options: RebuildOptions): Promise<RebuildResult> {
  const { db, nc, topology, logger } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const batchSize = options.batchSize ?? 1_000;
  const stream = topology.streams.tokenEvents.name;

  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(stream);
  const firstSeq = state.messages > 0 ? state.first_seq : state.last_seq + 1;
  const targetSequence = state.messages > 0 ? state.last_seq : 0;
  logger.info({ stream, first_seq: firstSeq, target_seq: targetSequence }, 'audit rebuild started');

  await sql`drop table if exists ${sql.table(REBUILD_TABLE)}`.execute(db);
  await sql`create table ${sql.table(REBUILD_TABLE)} (like ${sql.table(AUDIT_TABLE)} including all)`.execute(db);

  const cutoff = now() - options.retentionDays * 86_400_000;
  let replayed = 0;
  let skipped = 0;
  if (targetSequence > 0) {
    const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    let buffer: ProjectedRow[] = [];
    const write = async () => {
      await insertAuditRows(db, buffer, REBUILD_TABLE);
      buffer = [];
      options.onProgress?.({ replayed, targetSequence });
    };
    let done = false;
    while (!done) {
      options.signal?.throwIfAborted();
      const batch = await consumer.fetch({ max_messages: batchSize, expires: 2_000 });
      let received = 0;
      for await (const msg of batch) {
        received++;
        const seq = msg.info.streamSequence;
        if (seq >= targetSequence || msg.info.pending === 0) done = true;
        if (seq > targetSequence) continue; // the swap copies these from the live table
        const parsed = parseTokenEvent(safeJson(msg.data));
        // What the live consumer dead-letters (invalid, or on another event's subject) is skipped here too.
        if (!parsed.success || msg.subject !== topology.tokenEventSubjectOf(parsed.data) || Date.parse(parsed.data.occurredAt) < cutoff) {
          skipped++;
          continue;
        }
        buffer.push(toAuditRow(parsed.data, seq));
        replayed++;
      }
      // Nothing within the fetch's expiry: the rest of the range was removed from the stream.
      if (received === 0) done = true;
      if (buffer.length > 0) await write();
    }
  }
  options.signal?.throwIfAborted();

  // Rows whose events left the stream before the replay started cannot change any more (nothing
  // can redeliver them): copy them before taking the lock, so the locked section stays short.
  const aged = await withoutStatementTimeout(db, (trx) =>
    sql`
      insert into ${sql.table(REBUILD_TABLE)}
      select * from ${sql.table(AUDIT_TABLE)} where stream_seq < ${firstSeq}
      on conflict (event_id) do nothing`.execute(trx),
  );
  options.signal?.throwIfAborted();

  // Summarize the stream_seq BRIN ranges written so far, so under the lock only the ranges
  // filled since then are read (an unsummarized range always is).
  await withoutStatementTimeout(db, (trx) => sql`select brin_summarize_new_values(to_regclass(${`${AUDIT_TABLE}_stream_seq`}))`.execute(trx));

  const lockStarted = now();
  const arrived = await db.transaction().execute(async (trx) => {
    // Readers and the live writer queue behind this lock for the few statements below; a long
    // query holding the table makes us give up rather than stall everyone behind us.
    await sql`set local lock_timeout = '10s'`.execute(trx);
    await sql`lock table ${sql.table(AUDIT_TABLE)} in access exclusive mode`.execute(trx);
    // Found through the BRIN index on stream_seq: only the newest block ranges are read.
    const copied = await sql`
      insert into ${sql.table(REBUILD_TABLE)}
      select * from ${sql.table(AUDIT_TABLE)} where stream_seq > ${targetSequence}
      on conflict (event_id) do nothing`.execute(trx);
    const renames = await swapIndexNames(trx, AUDIT_TABLE, REBUILD_TABLE);
    await sql`drop table ${sql.table(AUDIT_TABLE)}`.execute(trx);
    await sql`alter table ${sql.table(REBUILD_TABLE)} rename to ${sql.table(AUDIT_TABLE)}`.execute(trx);
    for (const { from, to } of renames) await sql`alter index ${sql.table(from)} rename to ${sql.table(to)}`.execute(trx);
    return Number(copied.numAffectedRows ?? 0n);
  });
  const lockedMs = now() - lockStarted;
  const carriedOver = Number(aged.numAffectedRows ?? 0n) + arrived;
  const count = await withoutStatementTimeout(db, (trx) => sql<{ n: number }>`select count(*)::bigint as n from ${sql.table(AUDIT_TABLE)}`.execute(trx));
  const rows = count.rows[0]?.n ?? 0;

  const result = { replayed, skipped, carriedOver, rows, targetSequence, durationMs: now() - started, lockedMs };
  logger.info({ ...result }, 'audit rebuild swapped in');
  return result;
}

/**
 * The service's pool cancels statements after 15 s, right for requests; these statements scale
 * with the table (years of history on a busy system) and touch only the new table or read the
 * live one without blocking it, so they run unbounded. The locked swap keeps the bound.
 */
function withoutStatementTimeout<T>(db: Kysely<AuditDatabase>, run: (trx: Transaction<AuditDatabase>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local statement_timeout = 0`.execute(trx);
    return run(trx);
  });
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
