import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import { publishJson, type Logger } from '@tessera/platform';
import type { TokenApiDatabase } from '../db/schema.js';
import type { OutboxEntry } from './append.js';
import { markPublished } from './relay-query.js';

/**
 * For one-shot processes (the CLI): try to publish just-committed events now. If NATS cannot be
 * reached they stay in token_events and a running token-api's relay publishes them.
 */
export async function publishOnce(natsUrl: string, db: Kysely<TokenApiDatabase>, entries: OutboxEntry[], logger: Logger): Promise<boolean> {
  if (entries.length === 0) return true;
  let nc;
  try {
    nc = await connect({ servers: natsUrl.split(','), timeout: 2_000, reconnect: false });
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'NATS unreachable: the event stays in the outbox for the service relay');
    return false;
  }
  try {
    const js = jetstream(nc);
    for (const entry of entries) await publishJson(js, entry.subject, entry.payload, { msgId: entry.id, timeoutMs: 2_000 });
    await markPublished(db, entries.map((e) => e.id));
    return true;
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'publish failed: the event stays in the outbox for the service relay');
    return false;
  } finally {
    await nc.close();
  }
}
