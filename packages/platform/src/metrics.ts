import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per app (never the global one), so tests can build several apps and read each. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // The memory alert compares RSS with the container's limit (cgroup); 0 when unconstrained
  // (Node reports an unconstrained process as 2^64).
  const limit = process.constrainedMemory?.() ?? 0;
  new Gauge({ name: 'process_memory_limit_bytes', help: 'Memory limit of the process cgroup in bytes, 0 when unconstrained', registers: [registry] }).set(limit > 0 && limit < Number.MAX_SAFE_INTEGER ? limit : 0);
  return registry;
}

/** A metric shared by several parts of one service (e.g. two consumers): created once per registry. */
export function sharedGauge<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames, registers: [registry] });
}

export interface HttpMetrics {
  requests: Counter<'method' | 'status'>;
  duration: Histogram<'endpoint' | 'method'>;
}

export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method and status',
      labelNames: ['method', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template and method',
      labelNames: ['endpoint', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
