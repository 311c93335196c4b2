// The slices of untyped benchmark-only modules these scripts use.
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    pipelining?: number;
    workers?: number;
  }
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    total: number;
  }
  interface Result {
    requests: Histogram & { sent: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
    '2xx': number;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}

declare module 'oidc-provider' {
  interface ProviderConfiguration {
    clients?: Array<Record<string, unknown>>;
    features?: Record<string, unknown>;
    scopes?: string[];
    ttl?: Record<string, number>;
    [key: string]: unknown;
  }
  class Provider {
    constructor(issuer: string, configuration?: ProviderConfiguration);
    listen(port: number, host: string, callback: () => void): import('node:http').Server;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
  export default Provider;
}
