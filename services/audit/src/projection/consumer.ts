import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, parseTokenEvent, type TokenEvent } from '@tessera/contracts';
import { createConsumerMetrics, observeConsumer, provisionConsumer, runBatchConsumer, type Logger, type ParsedMessage, type RunningConsumer, type Topology } from '@tessera/platform';
import type { Kysely } from 'kysely';
import type { Registry } from 'prom-client';
import type { AuditDatabase } from '../db.js';
import type { AuditMetrics } from '../metrics.js';
import { toAuditRow } from './to-row.js';
import { insertAuditRows } from './write-rows.js';

export interface ProjectionOptions {
  nc: NatsConnection;
  topology: Topology;
  db: Kysely<AuditDatabase>;
  logger: Logger;
  registry: Registry;
  metrics: AuditMetrics;
  batchSize: number;
  maxAttempts: number;
  lagPollIntervalMs: number;
  now?: () => number;
}

/** The live projection: durable consumer `audit` on every token event, one row per event. */
export async function startProjection(options: ProjectionOptions): Promise<RunningConsumer> {
  const { nc, topology, logger, metrics } = options;
  const now = options.now ?? Date.now;
  const durable = CONSUMERS.audit.durable;
  const stream = topology.streams.tokenEvents.name;
  // The server-side bound sits above ours so our loop dead-letters before the server gives up.
  await provisionConsumer(nc, topology, 'audit', { maxDeliver: options.maxAttempts + 1 });

  const handleBatch = async (items: ParsedMessage<TokenEvent>[]) => {
    const rows = items.map(({ event, msg }) => toAuditRow(event, msg.info.streamSequence));
    const inserted = new Set(await insertAuditRows(options.db, rows));
    const at = now();
    for (const row of rows) {
      if (inserted.has(row.eventId)) metrics.projectionDelay.observe(Math.max(0, at - Date.parse(row.occurredAt)) / 1000);
    }
    metrics.rowsWritten.inc(inserted.size);
    if (rows.length > inserted.size) metrics.duplicates.inc(rows.length - inserted.size);
  };

  const consumer = await runBatchConsumer<TokenEvent>({
    js: jetstream(nc),
    stream,
    durable,
    parse: parseTokenEvent,
    expectedSubject: (event) => topology.tokenEventSubjectOf(event),
    dlqSubject: topology.dlqSubject(durable),
    maxAttempts: options.maxAttempts,
    batchSize: options.batchSize,
    logger,
    metrics: createConsumerMetrics(options.registry),
    handleBatch,
  });

  // consumer_pending_messages{consumer="audit"} and dlq_messages, like every durable consumer.
  const lag = observeConsumer({ nc, topology, durable, registry: options.registry, logger, intervalMs: options.lagPollIntervalMs });

  return {
    stop: async () => {
      lag.stop();
      await consumer.stop();
    },
  };
}
