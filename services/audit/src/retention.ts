import type { Logger } from '@tessera/platform';
import { sql, type Kysely } from 'kysely';
import type { AuditDatabase } from './db.js';
import type { AuditMetrics } from './metrics.js';

/**
 * Deletes rows whose event occurred before `cutoff`, `batchSize` at a time, each batch its own
 * short transaction (oldest first; rows locked by another replica's purge are skipped, not
 * waited for). Returns how many rows went.
 */
export async function purgeExpired(db: Kysely<AuditDatabase>, options: { cutoff: Date; batchSize: number; shouldStop?: () => boolean }): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql`
      with doomed as (
        select event_id from auth_token_audit where occurred_at < ${options.cutoff}
        order by occurred_at limit ${options.batchSize} for update skip locked
      )
      delete from auth_token_audit a using doomed where a.event_id = doomed.event_id`.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < options.batchSize || options.shouldStop?.()) return total;
  }
}

export interface RetentionOptions {
  db: Kysely<AuditDatabase>;
  logger: Logger;
  metrics: AuditMetrics;
  retentionDays: number;
  intervalMs: number;
  batchSize: number;
  now?: () => number;
}

/** Purges on an interval, first shortly after start; one pass at a time. */
export function startRetention(options: RetentionOptions): { runOnce(): Promise<number>; stop(): Promise<void> } {
  const now = options.now ?? Date.now;
  let stopped = false;
  let pass: Promise<number> | null = null;

  const runOnce = (): Promise<number> => {
    pass ??= purgeExpired(options.db, {
      cutoff: new Date(now() - options.retentionDays * 86_400_000),
      batchSize: options.batchSize,
      shouldStop: () => stopped,
    })
      .then((purged) => {
        options.metrics.rowsPurged.inc(purged);
        if (purged > 0) options.logger.info({ purged, retention_days: options.retentionDays }, 'audit rows past retention purged');
        return purged;
      })
      .finally(() => {
        pass = null;
      });
    return pass;
  };
  const tick = () => {
    runOnce().catch((error: unknown) => options.logger.warn({ err: error }, 'audit retention pass failed; will retry'));
  };
  const first = setTimeout(tick, Math.min(options.intervalMs, 5_000));
  const timer = setInterval(tick, options.intervalMs);
  first.unref();
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await pass?.catch(() => {});
    },
  };
}
