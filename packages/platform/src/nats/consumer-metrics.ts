import { Counter, Histogram, type Registry } from 'prom-client';

export type ConsumerOutcome = 'acked' | 'retried' | 'dead_lettered';

/** What every consume loop reports: outcomes, and the time from the event to its effect. */
export interface ConsumerMetrics {
  processed(durable: string, outcome: ConsumerOutcome, occurredAtMs?: number): void;
}

export function createConsumerMetrics(registry: Registry, now: () => number = Date.now): ConsumerMetrics {
  const messages = new Counter({
    name: 'consumer_messages_total',
    help: 'Messages handled by a durable consumer, by outcome',
    labelNames: ['consumer', 'outcome'],
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'consumer_event_to_effect_seconds',
    help: 'Time from an event occurring to its effect being committed by a consumer',
    labelNames: ['consumer'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    processed(durable, outcome, occurredAtMs) {
      messages.inc({ consumer: durable, outcome });
      if (outcome === 'acked' && occurredAtMs !== undefined) lag.observe({ consumer: durable }, Math.max(0, now() - occurredAtMs) / 1000);
    },
  };
}
