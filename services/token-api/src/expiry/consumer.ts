import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS } from '@tessera/contracts';
import { createConsumerMetrics, observeConsumer, type ConsumerMetrics, provisionConsumer, runBatchConsumer, type Logger, type RunningConsumer, type Topology } from '@tessera/platform';
import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import type { TokenApiDatabase } from '../db/schema.js';
import { markExpired, type ExpiredToken } from './mark-expired.js';
import { parseExpiryMessage, type ExpiryMessage } from './parse.js';

export interface TokenExpiryOptions {
  db: Kysely<TokenApiDatabase>;
  topology: Topology;
  logger: Logger;
  registry: Registry;
  /** Handler attempts before a message is dead-lettered (a Postgres outage longer than the backoff). */
  maxAttempts?: number;
  /** Messages written per statement at most (the sweeper can announce a million expiries a minute). */
  batchSize?: number;
}

const DURABLE = CONSUMERS.tokenApiExpiry.durable;

/**
 * The `token-api-expiry` durable consumer (DESIGN §3): TokenExpired → the token's record turns
 * EXPIRED if it is still ACTIVE. Replicas share the durable; every write is idempotent, so a
 * redelivery (a crash between commit and ack) or the same event handled by two replicas changes
 * nothing the second time.
 *
 * token-api works without NATS (its outbox waits), so this never holds up start or readiness:
 * `attach` provisions and starts in the background and keeps retrying while NATS is half up.
 */
export class TokenExpiryConsumer {
  private readonly maxAttempts: number;
  private readonly batchSize: number;
  private readonly outcomes: Counter<'outcome'>;
  private readonly consumerMetrics: ConsumerMetrics;
  private starting: Promise<void> | null = null;
  private running: RunningConsumer | null = null;
  private observer: { stop(): void } | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(private readonly options: TokenExpiryOptions) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.batchSize = options.batchSize ?? 250;
    this.consumerMetrics = createConsumerMetrics(options.registry);
    this.outcomes = new Counter({
      name: 'token_expiry_events_total',
      help: 'TokenExpired events handled: expired (an ACTIVE record turned EXPIRED) or unchanged (revoked, already expired, or unknown)',
      labelNames: ['outcome'],
      registers: [options.registry],
    });
  }

  /** Starts consuming on this connection, in the background; never throws, never waits. */
  attach(nc: NatsConnection): void {
    this.starting ??= this.start(nc);
  }

  /** Stops pulling, lets the batch in progress commit and ack, then resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.starting;
    this.observer?.stop();
    await this.running?.stop();
  }

  private async start(nc: NatsConnection): Promise<void> {
    const { topology, logger } = this.options;
    for (let attempt = 1; !this.stopped && !nc.isClosed(); attempt++) {
      try {
        // maxDeliver above maxAttempts: the consume loop dead-letters first; the server's own
        // limit only matters if dead-lettering itself keeps failing.
        await provisionConsumer(nc, topology, 'tokenApiExpiry', { maxDeliver: this.maxAttempts + 5 });
        if (this.stopped) return;
        this.running = await this.consume(nc);
        this.observer = observeConsumer({ nc, topology, durable: DURABLE, registry: this.options.registry, logger });
        logger.info({ durable: DURABLE }, 'expiry consumer started');
        return;
      } catch (error) {
        logger.warn({ err: error, attempt, durable: DURABLE }, 'expiry consumer could not start, retrying');
        await this.pause(Math.min(5_000, 250 * attempt));
      }
    }
  }

  private consume(nc: NatsConnection): Promise<RunningConsumer> {
    const { topology, db, logger } = this.options;
    return runBatchConsumer<ExpiryMessage>({
      js: jetstream(nc),
      stream: topology.streams.tokenEvents.name,
      durable: DURABLE,
      dlqSubject: topology.dlqSubject(DURABLE),
      maxAttempts: this.maxAttempts,
      batchSize: this.batchSize,
      logger,
      metrics: this.consumerMetrics,
      parse: (data) => parseExpiryMessage(data, topology),
      expectedSubject: (message) => (message.kind === 'expired' ? topology.tokenEventSubjectOf(message.event) : undefined),
      describe: (message): Record<string, string> =>
        message.kind === 'expired'
          ? { 'tessera.event.id': message.event.id, 'tessera.event.type': message.event.type, 'tessera.token.id': message.event.data.tokenId }
          : { 'tessera.event.type': message.type },
      handleBatch: async (items) => {
        const expired: ExpiredToken[] = items.flatMap((item) =>
          item.event.kind === 'expired' ? [{ tokenId: item.event.event.data.tokenId, expiresAt: item.event.event.data.expiresAt }] : [],
        );
        if (expired.length === 0) return;
        const changed = await markExpired(db, expired);
        this.outcomes.inc({ outcome: 'expired' }, changed.size);
        this.outcomes.inc({ outcome: 'unchanged' }, expired.length - changed.size);
      },
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }
}
