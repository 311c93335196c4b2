// Every benchmark bench/run.ts runs, in order, with its full and quick parameters. Each one is a
// child process that starts what it needs (the services under test as their own processes, a
// private nats-server where the figure needs one) and prints `RESULT {json}` as its last line.
// The full parameters are each script's own defaults, spelled out here so the report can state
// them; the quick ones only prove the benchmark runs end to end and produces numbers.

export interface BenchParameters {
  args: string[];
  env: Record<string, string>;
}

export interface BenchSpec {
  id: string;
  script: string;
  title: string;
  /** CPUs the benchmark process (the load generator, where there is one) is pinned to with taskset. */
  pin?: string;
  /** What it starts and where the work runs, for the report. */
  setup: string;
  full: BenchParameters;
  quick: BenchParameters;
  /** Wall-clock bound of one run, seconds: past it the process group is killed and the run fails. */
  timeoutS: { full: number; quick: number };
}

const params = (args: string[] = [], env: Record<string, string> = {}): BenchParameters => ({ args, env });

export const SUITE: readonly BenchSpec[] = [
  {
    id: 'anchors-jose',
    script: 'bench/anchors/jose.ts',
    title: 'raw jose sign/verify (EdDSA, ES256, RS256)',
    pin: '1',
    setup: 'in-process, one core',
    full: params(['--seconds', '2', '--rounds', '3', '--pool', '1000']),
    quick: params(['--seconds', '0.2', '--rounds', '1', '--pool', '100']),
    timeoutS: { full: 300, quick: 150 },
  },
  {
    id: 'verifier-throughput',
    script: 'bench/verifier/throughput.ts',
    title: 'in-process verification vs raw jose',
    pin: '1',
    setup: 'in-process, one core; revocation mirror of a bucket on the machine NATS',
    full: params(['--tokens', '4000', '--repeat', '1000000', '--hot', '1000', '--rounds', '5', '--entries', '10000', '--alg', 'ES256']),
    quick: params(['--tokens', '400', '--repeat', '20000', '--hot', '100', '--rounds', '1', '--entries', '500', '--alg', 'ES256']),
    timeoutS: { full: 900, quick: 150 },
  },
  {
    id: 'anchors-pg-lookup',
    script: 'bench/anchors/pg-lookup.ts',
    title: 'naive Postgres lookup per request vs the verifier',
    pin: '0',
    setup: 'in-process on CPU 0; the machine PostgreSQL floats over both cores',
    full: params(['--rows', '100000', '--tokens', '20000', '--concurrency', '16', '--pool', '10', '--seconds', '5', '--rounds', '3']),
    quick: params(['--rows', '5000', '--tokens', '400', '--concurrency', '16', '--pool', '10', '--seconds', '0.3', '--rounds', '1']),
    timeoutS: { full: 600, quick: 150 },
  },
  {
    id: 'introspection',
    script: 'bench/introspection/introspection.bench.ts',
    title: 'introspection over HTTP vs oidc-provider and a bare Express 5 endpoint',
    pin: '0',
    setup: 'token-api (2 processes: fast path and Express route), revocation, oidc-provider, the Express ceiling and the node:http floor, each its own process on CPU 1; autocannon on CPU 0',
    full: params([], { CONNECTIONS: '10,50', DURATION_S: '10', WARMUP_S: '2', ROUNDS: '2', SERVER_CPUS: '1' }),
    quick: params([], { CONNECTIONS: '10,50', DURATION_S: '0.5', WARMUP_S: '0.2', ROUNDS: '1', SERVER_CPUS: '1' }),
    timeoutS: { full: 900, quick: 150 },
  },
  {
    id: 'anchors-oidc-provider',
    script: 'bench/anchors/oidc-provider.ts',
    title: 'oidc-provider issuance and revocation; token-api RFC 7009 revocation',
    pin: '0',
    setup: 'oidc-provider and token-api each their own process on CPU 1; generator on CPU 0',
    full: params(['--concurrency', '32', '--seconds', '10', '--warmup', '2', '--revocations', '5000']),
    quick: params(['--concurrency', '32', '--seconds', '0.5', '--warmup', '0.3', '--revocations', '100']),
    timeoutS: { full: 900, quick: 150 },
  },
  {
    id: 'token-api-login',
    script: 'bench/token-api/login.bench.ts',
    title: 'login (argon2id bound) vs bare argon2id',
    pin: '0',
    setup: 'token-api on CPU 1 (its own process); argon2 anchor process on CPU 1; generator on CPU 0',
    full: params([], { CONCURRENCY: '16', USERS: '64', DURATION_S: '15', WARMUP_S: '3', SERVER_CPUS: '1' }),
    // Cheaper argon2id than the service's default, so a loaded machine still completes logins in the short window.
    quick: params([], { CONCURRENCY: '8', USERS: '8', DURATION_S: '1', WARMUP_S: '0.3', SERVER_CPUS: '1', ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1' }),
    timeoutS: { full: 600, quick: 150 },
  },
  {
    id: 'token-api-refresh',
    script: 'bench/token-api/refresh.bench.ts',
    title: 'refresh rotation vs a bare PostgreSQL transaction',
    pin: '0',
    setup: 'token-api on CPU 1 (its own process); generator and the PostgreSQL anchor on CPU 0',
    full: params([], { CONCURRENCY: '32', POOL: '20', DURATION_S: '15', WARMUP_S: '3', SERVER_CPUS: '1' }),
    quick: params([], { CONCURRENCY: '32', POOL: '20', DURATION_S: '0.6', WARMUP_S: '0.3', SERVER_CPUS: '1' }),
    timeoutS: { full: 600, quick: 150 },
  },
  {
    id: 'scaling-token-api',
    script: 'bench/scaling/token-api.ts',
    title: 'token-api 1 → 2 processes (refresh, introspection)',
    setup: 'two token-api processes and revocation, nothing pinned (2 cores for everything)',
    full: params(['--seconds', '10', '--warmup', '2', '--rounds', '2', '--refresh-concurrency', '32', '--introspect-concurrency', '50']),
    quick: params(['--seconds', '0.6', '--warmup', '0.3', '--rounds', '1', '--refresh-concurrency', '16', '--introspect-concurrency', '50']),
    timeoutS: { full: 600, quick: 150 },
  },
  {
    id: 'verifier-propagation',
    script: 'bench/verifier/propagation.ts',
    title: 'revocation propagation: publish acknowledged → verifier in another process',
    setup: 'private nats-server; revocation and the verifier process each their own process; nothing pinned',
    full: params(['--count', '1000', '--load', '50', '--warmup', '100']),
    quick: params(['--count', '50', '--load', '50', '--warmup', '10']),
    timeoutS: { full: 600, quick: 150 },
  },
  {
    id: 'verifier-propagation-http',
    script: 'bench/verifier/propagation-http.ts',
    title: 'revocation propagation: logout response → verifier in another process',
    setup: 'private nats-server; token-api, revocation and the verifier process each their own process; nothing pinned',
    full: params(['--count', '1000', '--load', '50', '--warmup', '50', '--users', '20']),
    quick: params(['--count', '50', '--load', '50', '--warmup', '5', '--users', '5']),
    timeoutS: { full: 900, quick: 150 },
  },
  {
    id: 'notifier-delivery',
    script: 'bench/notifier/delivery.ts',
    title: 'revocation propagation: logout response → WebSocket client',
    setup: 'private nats-server; token-api, revocation and notifier each their own process; nothing pinned',
    full: params(['--count', '1000', '--warmup', '50', '--users', '20']),
    quick: params(['--count', '50', '--warmup', '5', '--users', '5']),
    timeoutS: { full: 900, quick: 150 },
  },
  {
    id: 'notifier-sockets',
    script: 'bench/notifier/sockets.ts',
    title: 'notifier memory per socket vs a bare ws server',
    setup: 'private nats-server; notifier, then a bare ws server, each its own process; nothing pinned',
    full: params(['--sockets', '10000', '--revocations', '1000', '--per-user', '10', '--settle-ms', '1000']),
    quick: params(['--sockets', '3000', '--revocations', '50', '--per-user', '10', '--settle-ms', '400']),
    timeoutS: { full: 900, quick: 150 },
  },
  {
    id: 'audit-projection',
    script: 'bench/audit/projection.ts',
    title: 'audit projection drain, sustained delay, rebuild',
    pin: '0',
    setup: 'audit service on CPU 1 (its own process); publisher on CPU 0; machine PostgreSQL and NATS',
    full: params(['--events', '200000', '--batch', '500', '--rate', '5000', '--seconds', '20', '--users', '20000']),
    quick: params(['--events', '3000', '--batch', '500', '--rate', '500', '--seconds', '1', '--users', '1000']),
    timeoutS: { full: 1800, quick: 150 },
  },
  {
    id: 'audit-trail-query',
    script: 'bench/audit/trail-query.ts',
    title: 'audit-trail query latency (10M rows)',
    pin: '0',
    setup: 'audit service on CPU 1 (its own process); client on CPU 0; machine PostgreSQL',
    full: params(['--rows', '10000000', '--users', '100000', '--requests', '500']),
    quick: params(['--rows', '200000', '--users', '2000', '--requests', '30']),
    timeoutS: { full: 3600, quick: 150 },
  },
  {
    id: 'sweeper',
    script: 'bench/sweeper/sweep-1m.ts',
    title: 'sweeper expiries/s vs Postgres-only and JetStream-only anchors',
    setup: 'the sweeper in-process (startSweeper); machine PostgreSQL and NATS; nothing pinned',
    full: params(['--rows', '1000000', '--batch', '1000', '--concurrency', '2', '--users', '10000']),
    quick: params(['--rows', '10000', '--batch', '1000', '--concurrency', '2', '--users', '1000']),
    timeoutS: { full: 1800, quick: 150 },
  },
];
