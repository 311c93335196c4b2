import type { Kysely } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';
import { PURGE_KINDS, purgeBatch, type PurgeKind } from './purge.js';

export interface RetentionPassOptions {
  db: Kysely<TokenApiDatabase>;
  /** Rows older than now − retentionMs go. */
  retentionMs: number;
  batchSize: number;
  now: number;
  /** Checked between batches, so a stop never waits for a whole backlog. */
  shouldStop?: () => boolean;
  /** Called after each batch that deleted something. */
  onDeleted?: (kind: PurgeKind, count: number) => void;
}

export type RetentionTotals = Record<PurgeKind, number>;

/**
 * One retention pass: for each kind, batch after batch until a batch comes back short (nothing
 * left, or the rest is locked by another replica's batch or by a command, and goes next pass).
 */
export async function runRetentionPass(options: RetentionPassOptions): Promise<RetentionTotals> {
  const cutoff = new Date(options.now - options.retentionMs);
  const totals: RetentionTotals = { expired_tokens: 0, revoked_tokens: 0, published_events: 0 };
  for (const kind of PURGE_KINDS) {
    while (!options.shouldStop?.()) {
      const deleted = await purgeBatch(options.db, kind, cutoff, options.batchSize);
      totals[kind] += deleted;
      if (deleted > 0) options.onDeleted?.(kind, deleted);
      if (deleted < options.batchSize) break;
    }
  }
  return totals;
}
