import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BatchOutcome } from './sweep/batches.js';

export type BatchKind = 'expired' | 'expiring';

export interface SweeperMetrics {
  batch(kind: BatchKind, seconds: number, outcome: BatchOutcome): void;
  failedPass(): void;
}

/**
 * `sweeper_lag_seconds` is measured when scraped (now − oldest due row, from Postgres), so it
 * keeps growing while the sweep is stuck instead of freezing at the last value the loop saw.
 */
export function createSweeperMetrics(registry: Registry, measureLagSeconds: () => Promise<number>): SweeperMetrics {
  new Gauge({
    name: 'sweeper_lag_seconds',
    help: 'Seconds between now and the expiry of the oldest token not yet announced as expired',
    registers: [registry],
    async collect() {
      try {
        this.set(await measureLagSeconds());
      } catch {
        // Postgres unreachable: keep the last value; the postgres health check reports the outage.
      }
    },
  });
  const emitted = new Counter({
    name: 'sweeper_events_emitted_total',
    help: 'TokenExpired (kind="expired") and TokenExpiring (kind="expiring") events stored by the stream',
    labelNames: ['kind'],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'sweeper_publish_duplicates_total',
    help: 'Publishes the stream dropped as duplicates (a batch republished after a crash or failed commit)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'sweeper_batch_duration_seconds',
    help: 'Time to take, publish and commit one sweep batch',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'sweeper_pass_failures_total',
    help: 'Sweep passes that failed and were rolled back (retried at the next interval)',
    registers: [registry],
  });
  for (const kind of ['expired', 'expiring'] as const) {
    emitted.inc({ kind }, 0);
    duplicates.inc({ kind }, 0);
  }
  return {
    batch(kind, seconds, outcome) {
      if (outcome.taken === 0) return;
      duration.observe({ kind }, seconds);
      emitted.inc({ kind }, outcome.emitted);
      duplicates.inc({ kind }, outcome.duplicates);
    },
    failedPass: () => failures.inc(),
  };
}
