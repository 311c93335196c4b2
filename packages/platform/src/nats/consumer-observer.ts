import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { sharedGauge } from '../metrics.js';
import type { Topology } from './topology.js';

/**
 * Publishes a durable consumer's lag (`consumer_pending_messages`: not yet delivered plus
 * delivered and unacknowledged) and its dead letters (`dlq_messages`) as gauges, polled from the
 * server. Polled, not computed, so the figure is right across replicas and restarts.
 */
export function observeConsumer(options: {
  nc: NatsConnection;
  topology: Topology;
  durable: string;
  registry: Registry;
  logger: Logger;
  intervalMs?: number;
}): { stop(): void } {
  const pending = sharedGauge(options.registry, 'consumer_pending_messages', 'Messages a durable consumer has not yet processed (pending + unacknowledged)', ['consumer']);
  const dead = sharedGauge(options.registry, 'dlq_messages', 'Messages in the dead-letter stream, by consumer', ['consumer']);
  const stream = options.topology.streams.tokenEvents.name;
  const dlqStream = options.topology.streams.dlq.name;
  const dlqSubject = options.topology.dlqSubject(options.durable);
  let warned = false;

  const poll = async () => {
    try {
      const jsm = await jetstreamManager(options.nc, { timeout: 2_000 });
      const info = await jsm.consumers.info(stream, options.durable);
      pending.set({ consumer: options.durable }, info.num_pending + info.num_ack_pending);
      const dlq = await jsm.streams.info(dlqStream, { subjects_filter: dlqSubject });
      dead.set({ consumer: options.durable }, dlq.state.subjects?.[dlqSubject] ?? 0);
      warned = false;
    } catch (error) {
      // NATS down: the gauges keep their last value; the nats health check says why.
      if (!warned) options.logger.warn({ err: error, durable: options.durable }, 'could not read consumer lag');
      warned = true;
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), options.intervalMs ?? 5_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
