import { withSpan, type Topology } from '@tessera/platform';
import type { Kysely } from 'kysely';
import type { BatchKind, SweeperMetrics } from '../metrics.js';
import type { SweeperDatabase } from '../schedule/tables.js';
import { sweepExpiredBatch, sweepWarningBatch, type BatchOptions, type BatchOutcome } from './batches.js';
import { purgeTombstones } from './maintenance.js';
import type { Publisher } from './publisher.js';

export interface SweepPassDeps {
  db: Kysely<SweeperDatabase>;
  publisher: Publisher;
  topology: Topology;
  metrics: SweeperMetrics;
  batchSize: number;
  /** Revocation tombstones outlive their token's expiry by this much (a late TokenIssued is ignored meanwhile). */
  tombstoneGraceMs: number;
  /** User cutoffs are kept this long: the longest token lifetime (the stream's max age bounds it). */
  cutoffRetentionMs: number;
  now?: () => number;
}

/**
 * One pass: an expiry batch, a warning batch, and, when neither was full, a bounded purge of
 * tombstones. Resolves true while a batch came back full, so the loop runs again at once.
 */
export function createSweepPass(deps: SweepPassDeps): () => Promise<boolean> {
  const now = deps.now ?? Date.now;
  const batch = async (kind: BatchKind, sweep: typeof sweepExpiredBatch, options: BatchOptions): Promise<BatchOutcome> => {
    const started = performance.now();
    const outcome = await withSpan(`sweeper ${kind} batch`, { attributes: { 'tessera.sweep.limit': options.limit } }, async (span) => {
      const result = await sweep(deps.db, deps.publisher, deps.topology, options);
      span.setAttribute('tessera.sweep.taken', result.taken);
      span.setAttribute('tessera.sweep.duplicates', result.duplicates);
      return result;
    });
    deps.metrics.batch(kind, (performance.now() - started) / 1000, outcome);
    return outcome;
  };

  return async () => {
    try {
      const at = now();
      const options = { now: new Date(at), limit: deps.batchSize };
      const expired = await batch('expired', sweepExpiredBatch, options);
      const warned = await batch('expiring', sweepWarningBatch, options);
      const more = expired.taken >= deps.batchSize || warned.taken >= deps.batchSize;
      if (!more) {
        await purgeTombstones(deps.db, {
          revokedExpiredBefore: new Date(at - deps.tombstoneGraceMs),
          cutoffsBefore: new Date(at - deps.cutoffRetentionMs),
          limit: deps.batchSize,
        });
      }
      return more;
    } catch (error) {
      deps.metrics.failedPass();
      throw error;
    }
  };
}
