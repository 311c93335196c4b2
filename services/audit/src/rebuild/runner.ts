import type { AuditRebuildStatus } from '@tessera/contracts';
import { serviceUnavailable, type Logger, type NatsLink, type Topology } from '@tessera/platform';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { AuditDatabase } from '../db.js';
import type { AuditMetrics } from '../metrics.js';
import { acquireRebuildLock, rebuildProjection, RebuildInProgressError } from './rebuild.js';

export interface RebuildRunnerOptions {
  db: Kysely<AuditDatabase>;
  pool: pg.Pool;
  nats: NatsLink;
  topology: Topology;
  logger: Logger;
  metrics: AuditMetrics;
  retentionDays: number;
  now?: () => number;
}

/**
 * Runs rebuilds started over HTTP in the background (one takes minutes on a full stream) and
 * reports on the last one. The database lock, taken before answering, keeps it to one rebuild
 * across all replicas and the CLI; the answer is 409 while another holds it.
 */
export class RebuildRunner {
  private state: AuditRebuildStatus = { state: 'idle', startedAt: null, finishedAt: null, replayed: 0, targetSequence: 0, rows: null, error: null };
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly now: () => number;

  constructor(private readonly options: RebuildRunnerOptions) {
    this.now = options.now ?? Date.now;
  }

  status(): AuditRebuildStatus {
    return { ...this.state };
  }

  async start(): Promise<AuditRebuildStatus> {
    if (this.running !== null) throw new RebuildInProgressError();
    const nc = this.options.nats.connection;
    if (nc === null || !this.options.nats.isConnected()) throw serviceUnavailable('The event stream is not reachable');
    const lock = await acquireRebuildLock(this.options.pool);
    this.state = { state: 'running', startedAt: new Date(this.now()).toISOString(), finishedAt: null, replayed: 0, targetSequence: 0, rows: null, error: null };
    const { db, pool, topology, logger, metrics, retentionDays } = this.options;
    this.running = rebuildProjection(
      {
        db,
        pool,
        nc,
        topology,
        logger,
        retentionDays,
        now: this.now,
        signal: this.abort.signal,
        onProgress: (progress) => Object.assign(this.state, progress),
      },
      lock,
    ).then(
      (result) => {
        Object.assign(this.state, { state: 'succeeded', finishedAt: new Date(this.now()).toISOString(), replayed: result.replayed, rows: result.rows, targetSequence: result.targetSequence });
        metrics.rebuilds.inc({ outcome: 'succeeded' });
      },
      (error: unknown) => {
        logger.error({ err: error }, 'audit rebuild failed');
        // The status is shown to admins: a fixed message, the detail stays in the log.
        Object.assign(this.state, { state: 'failed', finishedAt: new Date(this.now()).toISOString(), error: 'rebuild failed; see the audit service log' });
        metrics.rebuilds.inc({ outcome: 'failed' });
      },
    ).finally(() => {
      this.running = null;
    });
    return this.status();
  }

  /** Abandons a running rebuild (its table is dropped; the live one was never touched). */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
