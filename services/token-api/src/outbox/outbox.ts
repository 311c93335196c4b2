import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import { context, extractTraceContext, publishJson, trace, type HealthCheck, type HeaderCarrier, type Logger, type NatsLink } from '@tessera/platform';
import type { TokenApiDatabase } from '../db/schema.js';
import type { OutboxEntry } from './append.js';
import { markPublished, outboxBacklog, takeRelayBatch } from './relay-query.js';

export interface OutboxOptions {
  db: Kysely<TokenApiDatabase>;
  nats: NatsLink;
  logger: Logger;
  registry: Registry;
  relayIntervalMs: number;
  relayBatch: number;
  relayMinAgeMs: number;
  staleMs: number;
  publishTimeoutMs?: number;
}

/**
 * Gets committed events onto JetStream. Right after each commit the events are published in
 * order on this replica's one connection; whatever that misses (NATS down, a crash between
 * commit and publish) the relay pass republishes from token_events. Every publish carries
 * `Nats-Msg-Id = event.id`, so the stream keeps one copy. After a failed publish the fast path
 * stands aside until a relay pass has emptied the backlog, so a user's events never overtake
 * older ones still waiting.
 */
export class Outbox {
  private js: JetStreamClient | null = null;
  private readonly queue: OutboxEntry[] = [];
  private draining: Promise<void> | null = null;
  private degraded = false;
  private running = false;
  private relayTimer: NodeJS.Timeout | null = null;
  private relaying: Promise<void> | null = null;
  private readonly published: Counter<'path'>;
  private readonly failures: Counter;

  constructor(private readonly options: OutboxOptions) {
    const { registry, db } = options;
    this.published = new Counter({ name: 'outbox_published_total', help: 'Events acknowledged by JetStream, by path', labelNames: ['path'], registers: [registry] });
    this.failures = new Counter({ name: 'outbox_publish_failures_total', help: 'Publishes that were not acknowledged', registers: [registry] });
    new Gauge({
      name: 'outbox_backlog',
      help: 'Committed events not yet acknowledged by JetStream',
      registers: [registry],
      async collect() {
        this.set((await outboxBacklog(db)).backlog);
      },
    });
  }

  /** Called once NATS is connected (and streams provisioned). */
  attach(nc: NatsConnection): void {
    this.js = jetstream(nc);
  }

  start(): void {
    this.running = true;
    this.scheduleRelay(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.relayTimer) clearTimeout(this.relayTimer);
    await Promise.all([this.draining, this.relaying]);
  }

  /** After commit: publish now if we can; otherwise the relay will. Never throws, never waits. */
  afterCommit(entries: OutboxEntry[]): void {
    if (entries.length === 0 || this.degraded) return;
    if (!this.js || !this.options.nats.isConnected()) {
      this.degraded = true;
      return;
    }
    this.queue.push(...entries);
    this.kick();
  }

  /** One drain at a time; entries queued while a drain was finishing start the next one. */
  private kick(): void {
    if (this.draining) return;
    this.draining = (async () => {
      try {
        await this.drain();
      } catch (error) {
        // Whatever failed, the events are safe in token_events: hand them to the relay.
        this.options.logger.warn({ err: error }, 'outbox: publish after commit failed; relay takes over');
        this.degraded = true;
        this.queue.length = 0;
      } finally {
        this.draining = null;
      }
      if (this.queue.length > 0 && !this.degraded) this.kick();
    })();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.degraded) {
      const batch = this.queue.splice(0, 256);
      const acked = await this.publishInOrder(batch);
      this.published.inc({ path: 'immediate' }, acked.length);
      if (acked.length < batch.length) {
        this.degraded = true;
        this.queue.length = 0;
      }
      await markPublished(this.options.db, acked).catch((error) => this.options.logger.warn({ err: error }, 'outbox: marking published failed; the relay will republish (deduplicated)'));
    }
  }

  /** Pipelined on one connection (so in order on the wire); returns the ids acknowledged. */
  private async publishInOrder(entries: OutboxEntry[]): Promise<string[]> {
    const js = this.js;
    if (!js) return [];
    const timeoutMs = this.options.publishTimeoutMs ?? 2_000;
    const results = await Promise.allSettled(
      entries.map((entry) => {
        const parent = extractTraceContext(headerCarrier(entry.headers), trace.deleteSpan(context.active()));
        return context.with(parent, () => publishJson(js, entry.subject, entry.payload, { msgId: entry.id, timeoutMs }));
      }),
    );
    const acked: string[] = [];
    results.forEach((result, i) => {
      if (result.status === 'fulfilled') acked.push(entries[i]!.id);
      else {
        this.failures.inc();
        if (acked.length === i) this.options.logger.warn({ err: { message: (result.reason as Error)?.message } }, 'outbox: publish not acknowledged; relay takes over');
      }
    });
    return acked;
  }

  private scheduleRelay(delayMs: number): void {
    if (!this.running) return;
    this.relayTimer = setTimeout(() => {
      this.relaying = this.relayPass()
        .then((full) => this.scheduleRelay(full ? 0 : this.options.relayIntervalMs))
        .catch((error) => {
          this.options.logger.warn({ err: error }, 'outbox relay pass failed');
          this.scheduleRelay(this.options.relayIntervalMs);
        })
        .finally(() => (this.relaying = null));
    }, delayMs);
    this.relayTimer.unref();
  }

  /** One relay pass; true when the batch was full (more may be waiting). */
  async relayPass(): Promise<boolean> {
    if (!this.js || !this.options.nats.isConnected()) return false;
    const { relayBatch, db } = this.options;
    // While the fast path stands aside, the relay takes even the youngest events.
    const minAgeMs = this.degraded ? 0 : this.options.relayMinAgeMs;
    const { taken, acked } = await db.transaction().execute(async (trx) => {
      const batch = await takeRelayBatch(trx, relayBatch, minAgeMs);
      const ids = batch.length > 0 ? await this.publishInOrder(batch) : [];
      await markPublished(trx, ids);
      return { taken: batch.length, acked: ids.length };
    });
    if (acked > 0) {
      this.published.inc({ path: 'relay' }, acked);
      this.options.logger.info({ published: acked }, 'outbox relay published events');
    }
    if (taken === 0 && this.degraded) {
      this.degraded = false;
      this.options.logger.info('outbox backlog cleared; publishing after commit again');
    }
    return taken === relayBatch && acked === taken;
  }

  /** Readiness does not depend on it (the API works without NATS); people see the backlog. */
  health(): HealthCheck {
    return {
      name: 'outbox',
      readiness: false,
      check: async () => {
        const { backlog, oldestAt } = await outboxBacklog(this.options.db);
        const oldestAgeMs = oldestAt ? Math.max(0, Date.now() - oldestAt.getTime()) : 0;
        return { status: oldestAgeMs > this.options.staleMs ? 'DOWN' : 'UP', detail: { backlog, oldestAgeMs } };
      },
    };
  }
}

function headerCarrier(headers: Record<string, string> | null): HeaderCarrier {
  const h = headers ?? {};
  return { get: (k) => h[k] ?? '', set: () => {}, has: (k) => k in h };
}
