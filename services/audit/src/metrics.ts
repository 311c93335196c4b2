import { Counter, Histogram, type Registry } from 'prom-client';

export interface AuditMetrics {
  /** Event occurredAt → its row committed. */
  projectionDelay: Histogram;
  rowsWritten: Counter;
  /** Events whose row was already there (redeliveries, duplicate publishes). */
  duplicates: Counter;
  rowsPurged: Counter;
  rebuilds: Counter<'outcome'>;
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  return {
    projectionDelay: new Histogram({
      name: 'audit_projection_delay_seconds',
      help: 'Time from a token event occurring to its audit row being committed',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    rowsWritten: new Counter({ name: 'audit_rows_written_total', help: 'Audit rows inserted by the live projection', registers: [registry] }),
    duplicates: new Counter({
      name: 'audit_duplicate_events_total',
      help: 'Token events already projected (redelivered or published twice), skipped',
      registers: [registry],
    }),
    rowsPurged: new Counter({ name: 'audit_rows_purged_total', help: 'Audit rows removed by retention', registers: [registry] }),
    rebuilds: new Counter({ name: 'audit_rebuilds_total', help: 'Projection rebuilds, by outcome', labelNames: ['outcome'], registers: [registry] }),
  };
}
