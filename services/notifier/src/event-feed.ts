import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { parseTokenEvent, type TokenEvent } from '@tessera/contracts';
import { extractTraceContext, SpanKind, withSpan, type Logger, type Topology } from '@tessera/platform';

/**
 * Every notifier replica reads every token event through its own ordered consumer starting at
 * "new": sockets only care about what happens while they are open, and each replica serves its
 * own sockets. The ordered consumer recreates itself after a NATS outage and resumes in order.
 */
export async function followTokenEvents(
  nc: NatsConnection,
  topology: Topology,
  deliver: (event: TokenEvent) => number,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const js = jetstream(nc);
  const consumer = await js.consumers.get(topology.streams.tokenEvents.name, {
    filter_subjects: topology.allTokenEvents,
    deliver_policy: DeliverPolicy.New,
  });
  const messages: ConsumerMessages = await consumer.consume();
  const done = (async () => {
    for await (const msg of messages) {
      let json: unknown;
      try {
        json = msg.json();
      } catch {
        json = undefined;
      }
      const parsed = parseTokenEvent(json);
      // The durable consumers dead-letter invalid messages; here we only skip them.
      if (!parsed.success) {
        logger.warn({ subject: msg.subject, stream_seq: msg.seq }, 'skipping invalid token event');
        continue;
      }
      const event = parsed.data;
      // Like the durable consumers: an event on another type's or user's subject is a producer bug, never delivered.
      if (msg.subject !== topology.tokenEventSubjectOf(event)) {
        logger.warn({ subject: msg.subject, stream_seq: msg.seq, event_id: event.id }, 'skipping token event published on another subject');
        continue;
      }
      await withSpan(
        'notifier deliver',
        {
          kind: SpanKind.CONSUMER,
          parent: extractTraceContext(msg.headers),
          attributes: {
            'messaging.destination.name': msg.subject,
            'tessera.event_id': event.id,
            'tessera.event_type': event.type,
            'tessera.user_id': event.userId,
            ...('tokenId' in event.data ? { 'tessera.token_id': String(event.data.tokenId) } : {}),
          },
        },
        (span) => void span.setAttribute('tessera.sockets_notified', deliver(event)),
      );
    }
  })();
  return {
    stop: async () => {
      await messages.close();
      await done;
    },
  };
}
