import type { JetStreamClient } from '@nats-io/jetstream';
import { publishJson } from '@tessera/platform';
import type { TokenEvent } from '@tessera/contracts';

/** An event with its subject and the `Nats-Msg-Id` the stream dedupes it on. */
export interface Outgoing {
  subject: string;
  msgId: string;
  event: TokenEvent;
}

export interface Publisher {
  /** Resolves once the stream has stored the message; `duplicate` when it already had this msgId. */
  publish(message: Outgoing): Promise<{ duplicate: boolean }>;
}

export function jetStreamPublisher(js: JetStreamClient, timeoutMs = 5_000): Publisher {
  return {
    publish: async (a) => {
      const ack = await publishJson(js, a.subject, a.event, { msgId: a.msgId, timeoutMs });
      return { duplicate: ack.duplicate };
    },
  };
}

export interface PublishOutcome {
  emitted: number;
  /** Publishes the stream had already stored: a previous sweep published them and died before committing. */
  duplicates: number;
}

/**
 * Pipelined: every publish of the batch is on the wire before the first ack is awaited, so a
 * batch costs about one round trip instead of one per message. Rejects if any publish fails;
 * the caller's transaction then rolls back and the rows are swept again (the msgIds dedupe).
 */
export async function publishAll(publisher: Publisher, messages: readonly Outgoing[]): Promise<PublishOutcome> {
  const acks = await Promise.all(messages.map((m) => publisher.publish(m)));
  let duplicates = 0;
  for (const ack of acks) if (ack.duplicate) duplicates++;
  return { emitted: acks.length - duplicates, duplicates };
}
