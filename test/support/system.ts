import { AuditConfig, startAudit } from '@tessera/audit';
import { NotifierConfig, startNotifier } from '@tessera/notifier';
import { loadConfig, type RunningService } from '@tessera/platform';
import { captureLogger, deleteNatsNamespace, queryTestDatabase, testDatabaseUrl, testNatsUrl, uniqueSuffix } from '@tessera/platform/testing';
import { RevocationConfig, startRevocation } from '@tessera/revocation';
import { startSweeper, SweeperConfig } from '@tessera/sweeper';
import { startTokenApi, TokenApiConfig } from '@tessera/token-api';

export type ServiceName = 'token-api' | 'revocation' | 'notifier' | 'audit' | 'sweeper';

export interface TestSystem {
  namespace: string;
  /** Base URL of each running service. */
  url: Record<ServiceName, string>;
  services: Partial<Record<ServiceName, RunningService>>;
  /** Every notifier replica's base URL (the first is also `url.notifier`). */
  notifierUrls: string[];
  /** Log lines of every service, for assertions on security events. */
  logs: () => Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** Which services to run besides token-api (default: all). */
  with?: ServiceName[];
  /** Extra environment for every service (e.g. short token lifetimes). */
  env?: Record<string, string>;
  natsUrl?: string;
  /** Notifier replicas (default 1): each reads every event and serves its own sockets. */
  notifierReplicas?: number;
}

const WEAK_BUT_FAST_ARGON2 = { ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1' };

/**
 * The whole system in this test process, every service on an ephemeral port, under a private
 * NATS namespace and private schemas: what a cross-service test ("with all services running")
 * needs, at the cost of one process. Reliability tests that kill processes spawn real ones.
 */
export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const suffix = uniqueSuffix();
  const namespace = `sys${suffix}`;
  const schemas = { 'token-api': `t_sys_${suffix}_token_api`, audit: `t_sys_${suffix}_audit`, sweeper: `t_sys_${suffix}_sweeper` };
  const { logger, lines } = captureLogger('system', 'info');
  const common = {
    PORT: '0',
    HOST: '127.0.0.1',
    NATS_URL: options.natsUrl ?? testNatsUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: testDatabaseUrl(),
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...WEAK_BUT_FAST_ARGON2,
    ...options.env,
  };
  const wanted = new Set<ServiceName>(options.with ?? ['revocation', 'notifier', 'audit', 'sweeper']);
  const services: Partial<Record<ServiceName, RunningService>> = {};
  const url = {} as Record<ServiceName, string>;
  const extraNotifiers: RunningService[] = [];
  const notifierUrls: string[] = [];
  const stop = async () => {
    await Promise.all([...Object.values(services), ...extraNotifiers].map((s) => s.stop()));
    await deleteNatsNamespace(namespace, common.NATS_URL).catch(() => {});
    for (const schema of Object.values(schemas)) await queryTestDatabase(`drop schema if exists ${schema} cascade`);
  };
  try {
    services['token-api'] = await startTokenApi(loadConfig(TokenApiConfig, { ...common, DATABASE_SCHEMA: schemas['token-api'] }), logger.child({ service: 'token-api' }));
    url['token-api'] = `http://127.0.0.1:${services['token-api'].port}`;
    const verifying = { ...common, JWKS_URL: `${url['token-api']}/.well-known/jwks.json` };
    const starters: Record<Exclude<ServiceName, 'token-api'>, () => Promise<RunningService>> = {
      revocation: () => startRevocation(loadConfig(RevocationConfig, verifying), logger.child({ service: 'revocation' })),
      notifier: () => startNotifier(loadConfig(NotifierConfig, verifying), logger.child({ service: 'notifier' })),
      audit: () => startAudit(loadConfig(AuditConfig, { ...verifying, DATABASE_SCHEMA: schemas.audit }), logger.child({ service: 'audit' })),
      sweeper: () => startSweeper(loadConfig(SweeperConfig, { ...common, DATABASE_SCHEMA: schemas.sweeper, SWEEP_INTERVAL_MS: '200' }), logger.child({ service: 'sweeper' })),
    };
    for (const name of Object.keys(starters) as Array<keyof typeof starters>) {
      if (!wanted.has(name)) continue;
      services[name] = await starters[name]();
      url[name] = `http://127.0.0.1:${services[name].port}`;
    }
    if (services.notifier) notifierUrls.push(url.notifier);
    for (let i = 1; i < (options.notifierReplicas ?? 1); i++) {
      const replica = await starters.notifier();
      extraNotifiers.push(replica);
      notifierUrls.push(`http://127.0.0.1:${replica.port}`);
    }
    // Every service ready (consumers provisioned, mirrors loaded) before a test starts.
    for (const [name, base] of [...Object.entries(url), ...notifierUrls.map((u) => ['notifier', u] as const)]) await waitReady(name, base);
  } catch (error) {
    await stop();
    throw error;
  }
  return { namespace, url, services, notifierUrls, logs: lines, stop };
}

async function waitReady(name: string, base: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/health`).catch(() => null);
    if (res?.ok) return;
    last = res ? await res.text() : 'not answering';
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} not healthy within ${timeoutMs} ms: ${last}`);
}
