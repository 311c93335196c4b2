import type { JetStreamClient } from '@nats-io/jetstream';
import { CONSUMERS, TokenEventType, parseTokenEvent } from '@tessera/contracts';
import { runBatchConsumer, type ConsumerMetrics, type Logger, type ParseResult, type RunningConsumer, type Topology } from '@tessera/platform';
import type { Kysely } from 'kysely';
import { applyScheduleChanges } from './apply.js';
import { isSweeperEvent, scheduleChangeFor, type SchedulePolicy, type SweeperEvent } from './decide.js';
import type { SweeperDatabase } from './tables.js';

/** A message the sweeper acts on, or one of another type it acks without looking further. */
// `occurredAt` at the top level is what the consume loop's event-to-effect histogram reads.
export type ScheduleMessage = { kind: 'event'; event: SweeperEvent; occurredAt: string } | { kind: 'ignored'; type: string };

export interface ScheduleConsumerDeps {
  js: JetStreamClient;
  topology: Topology;
  db: Kysely<SweeperDatabase>;
  logger: Logger;
  metrics?: ConsumerMetrics;
  policy: SchedulePolicy;
  maxAttempts: number;
  batchSize: number;
}

/**
 * On nats-server 2.9 the durable reads every token event (one filter subject), including the
 * sweeper's own TokenExpired: types the sweeper does not act on are acked without being
 * validated, so a million expiries cost a type check each, not a schema parse. Anything that
 * is not a well-formed event of a known type is dead-lettered by the consume loop.
 */
export function parseScheduleMessage(data: unknown, topology: Topology): ParseResult<ScheduleMessage> {
  const type = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined;
  const known = TokenEventType.safeParse(type);
  if (known.success && !topology.consumerHandles('sweeper', known.data)) return { success: true, data: { kind: 'ignored', type: known.data } };
  const parsed = parseTokenEvent(data);
  if (!parsed.success) return { success: false, error: { message: parsed.error.message } };
  if (!isSweeperEvent(parsed.data)) return { success: true, data: { kind: 'ignored', type: parsed.data.type } };
  return { success: true, data: { kind: 'event', event: parsed.data, occurredAt: parsed.data.occurredAt } };
}

/** The `sweeper` durable consumer: keeps expiry_schedule in step with issues and revocations. */
export function startScheduleConsumer(deps: ScheduleConsumerDeps): Promise<RunningConsumer> {
  const { js, topology, db, policy } = deps;
  const durable = CONSUMERS.sweeper.durable;
  return runBatchConsumer<ScheduleMessage>({
    js,
    stream: topology.streams.tokenEvents.name,
    durable,
    dlqSubject: topology.dlqSubject(durable),
    maxAttempts: deps.maxAttempts,
    batchSize: deps.batchSize,
    logger: deps.logger,
    metrics: deps.metrics,
    parse: (data) => parseScheduleMessage(data, topology),
    expectedSubject: (message) => (message.kind === 'event' ? topology.tokenEventSubjectOf(message.event) : undefined),
    describe: (message): Record<string, string> =>
      message.kind === 'event' ? { 'tessera.event.id': message.event.id, 'tessera.event.type': message.event.type } : { 'tessera.event.type': message.type },
    handleBatch: async (items) => {
      const changes = items.flatMap((item) => (item.event.kind === 'event' ? [scheduleChangeFor(item.event.event, policy)] : []));
      if (changes.length === 0) return;
      await db.transaction().execute((trx) => applyScheduleChanges(trx, changes));
    },
  });
}
