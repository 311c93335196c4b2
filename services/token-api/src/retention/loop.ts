import type { Logger } from '@tessera/platform';
import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TokenApiDatabase } from '../db/schema.js';
import { runRetentionPass, type RetentionTotals } from './pass.js';

export interface RetentionLoopOptions {
  db: Kysely<TokenApiDatabase>;
  logger: Logger;
  registry: Registry;
  retentionMs: number;
  intervalMs: number;
  batchSize: number;
  now?: () => number;
}

/**
 * Runs a retention pass at start and then `intervalMs` after each pass ends (passes of one
 * replica never overlap; replicas share the rows through SKIP LOCKED). A failing pass (Postgres
 * down) is logged, counted and retried at the next interval: nothing depends on it being prompt.
 * Needs no NATS.
 */
export class RetentionLoop {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;
  private readonly now: () => number;
  private readonly deleted: Counter<'kind'>;
  private readonly failures: Counter;
  private readonly lastSuccess: Gauge;

  constructor(private readonly options: RetentionLoopOptions) {
    this.now = options.now ?? Date.now;
    const registers = [options.registry];
    this.deleted = new Counter({
      name: 'token_retention_deleted_total',
      help: 'Rows deleted by retention: expired_tokens, revoked_tokens (auth_tokens), published_events (token_events)',
      labelNames: ['kind'],
      registers,
    });
    this.failures = new Counter({ name: 'token_retention_pass_failures_total', help: 'Retention passes that failed', registers });
    this.lastSuccess = new Gauge({ name: 'token_retention_last_success_timestamp_seconds', help: 'When the last retention pass completed', registers });
  }

  start(): void {
    if (this.stopped || this.timer || this.current) return;
    this.schedule(0);
  }

  /** Stops scheduling; a pass in progress ends after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** One pass now (what the timer runs); resolves with what it deleted. */
  async runOnce(): Promise<RetentionTotals> {
    const started = this.now();
    const totals = await runRetentionPass({
      db: this.options.db,
      retentionMs: this.options.retentionMs,
      batchSize: this.options.batchSize,
      now: started,
      shouldStop: () => this.stopped,
      onDeleted: (kind, count) => this.deleted.inc({ kind }, count),
    });
    this.lastSuccess.set(this.now() / 1000);
    if (totals.expired_tokens + totals.revoked_tokens + totals.published_events > 0) {
      this.options.logger.info({ deleted: totals, duration_ms: this.now() - started }, 'retention pass deleted old rows');
    }
    return totals;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.runOnce()
        .catch((error: unknown) => {
          this.failures.inc();
          this.options.logger.warn({ err: error }, 'retention pass failed, retrying at the next interval');
        })
        .finally(() => {
          this.current = null;
          if (!this.stopped) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
