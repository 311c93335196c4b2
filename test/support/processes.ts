// The whole system as real processes (`node --import tsx services/<name>/src/main.ts`), each on a
// fixed free loopback port so it can be killed and started again at the same address, under a
// private NATS namespace and private schemas. What the reliability tests need: a SIGKILL has to
// hit a real process, and memory has to be the RSS of the real service. The in-process system
// (system.ts) stays the cheaper choice for everything else.
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Topology } from '@tessera/platform';
import { deleteNatsNamespace, freePort, queryTestDatabase, testDatabaseUrl, testNatsUrl, uniqueSuffix } from '@tessera/platform/testing';

export const SERVICE_NAMES = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCHEMA_OF: Partial<Record<ServiceName, string>> = { 'token-api': 'token_api', audit: 'audit', sweeper: 'sweeper' };
/** Kept lines per service: enough for a failure's context, bounded for long runs. */
const MAX_LOG_LINES = 20_000;

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly url: string;
  /** pid of the running process, undefined while it is down. */
  readonly pid: number | undefined;
  /** How many times it was started (1 after the first start). */
  readonly starts: number;
  /** The service's output lines (JSON logs), oldest first, across restarts. */
  logs(): string[];
  /** Parsed JSON log lines. */
  logRecords(): Array<Record<string, unknown>>;
  /** Spawns it and waits for `/health/ready` (200). */
  start(): Promise<void>;
  /** Sends `signal` (SIGKILL: a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resident set size of the process, from /proc (bytes). */
  rssBytes(): number;
  /** Exits not asked for by kill() or stop(): a crash the test must see. */
  unexpectedExits(): Array<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitReady(timeoutMs?: number): Promise<void>;
}

export interface ProcessSystemOptions {
  /** Which services to run (default all five). */
  services?: readonly ServiceName[];
  natsUrl?: string;
  databaseUrl?: string;
  /** Environment for every service (token lifetimes, argon2 parameters, NATS_REPLICAS…). */
  env?: Record<string, string>;
  /** Environment for one service only. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  readyTimeoutMs?: number;
}

export interface ProcessSystem {
  namespace: string;
  schemas: Record<'token-api' | 'audit' | 'sweeper', string>;
  natsUrl: string;
  databaseUrl: string;
  topology: Topology;
  proc: Record<ServiceName, ServiceProcess>;
  url: Record<ServiceName, string>;
  /** Where every service's log is written as well (kept after the run for diagnosis). */
  logDir: string;
  /** A query on the system's database; `$token_api`, `$audit`, `$sweeper` name its schemas. */
  sql<R extends Record<string, any> = Record<string, any>>(text: string, values?: unknown[]): Promise<R[]>;
  /** The test's own NATS connection (opened on first use, closed by stop()). */
  nats(): Promise<NatsConnection>;
  /** SIGTERM to every process, then removes the namespace and the schemas. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Small argon2 parameters keep the fault tests about faults; the timing test uses the defaults. */
export const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1' };

export async function startProcessSystem(options: ProcessSystemOptions = {}): Promise<ProcessSystem> {
  const suffix = uniqueSuffix();
  const namespace = `rel${suffix}`;
  const schemas = { 'token-api': `t_rel_${suffix}_token_api`, audit: `t_rel_${suffix}_audit`, sweeper: `t_rel_${suffix}_sweeper` };
  const natsUrl = options.natsUrl ?? testNatsUrl();
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl();
  const wanted = options.services ?? SERVICE_NAMES;
  const logDir = join(tmpdir(), 'tessera-reliability-logs', namespace);
  mkdirSync(logDir, { recursive: true });

  const ports = {} as Record<ServiceName, number>;
  for (const name of SERVICE_NAMES) ports[name] = await freePort();
  const jwksUrl = `http://127.0.0.1:${ports['token-api']}/.well-known/jwks.json`;
  const common: Record<string, string> = {
    HOST: '127.0.0.1',
    NATS_URL: natsUrl,
    NATS_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    JWKS_URL: jwksUrl,
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...FAST_ARGON2,
    ...options.env,
  };
  const proc = {} as Record<ServiceName, ServiceProcess>;
  const url = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) {
    const schema = SCHEMA_OF[name] ? schemas[name as keyof typeof schemas] : undefined;
    const env = { ...common, PORT: String(ports[name]), SERVICE_NAME: name, ...(schema ? { DATABASE_SCHEMA: schema } : {}), ...options.serviceEnv?.[name] };
    proc[name] = serviceProcess(name, ports[name], env, join(logDir, `${name}.log`), options.readyTimeoutMs ?? 90_000);
    url[name] = proc[name].url;
  }

  let nc: NatsConnection | null = null;
  const system: ProcessSystem = {
    namespace,
    schemas,
    natsUrl,
    databaseUrl,
    topology: new Topology({ namespace, eventsMaxAgeMs: 30 * 86_400_000, replicas: Number(options.env?.NATS_REPLICAS ?? 1) }),
    proc,
    url,
    logDir,
    async sql<R extends Record<string, any>>(text: string, values: unknown[] = []) {
      const resolved = text.replaceAll('$token_api', schemas['token-api']).replaceAll('$audit', schemas.audit).replaceAll('$sweeper', schemas.sweeper);
      return queryTestDatabase<R>(resolved, values, databaseUrl);
    },
    async nats() {
      nc ??= await connect({ servers: natsUrl.split(','), maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      return nc;
    },
    async stop({ keepData = false } = {}) {
      await Promise.all(SERVICE_NAMES.map((name) => (proc[name].pid ? proc[name].kill('SIGTERM') : undefined)));
      if (nc) await nc.close().catch(() => {});
      if (keepData) return;
      await deleteNatsNamespace(namespace, natsUrl.split(',')[0]).catch(() => {});
      await system.sql(`drop schema if exists ${schemas['token-api']} cascade; drop schema if exists ${schemas.audit} cascade; drop schema if exists ${schemas.sweeper} cascade`).catch(() => {});
    },
  };
  try {
    // token-api first: it owns the streams and serves the keys the others verify with.
    if (wanted.includes('token-api')) await proc['token-api'].start();
    await Promise.all(wanted.filter((n) => n !== 'token-api').map((n) => proc[n].start()));
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}

function serviceProcess(name: ServiceName, port: number, env: Record<string, string>, logFile: string, readyTimeoutMs: number): ServiceProcess {
  const lines: string[] = [];
  const unexpected: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];
  const file: WriteStream = createWriteStream(logFile, { flags: 'a' });
  let child: ChildProcess | null = null;
  let starts = 0;
  const url = `http://127.0.0.1:${port}`;

  const waitReady = async (timeoutMs = readyTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    let last = 'not answering';
    while (Date.now() < deadline) {
      if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting:\n${lines.slice(-30).join('\n')}`);
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
        last = `${res.status} ${await res.text()}`;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} not ready within ${timeoutMs} ms: ${last}\n${lines.slice(-30).join('\n')}`);
  };

  const service: ServiceProcess = {
    name,
    port,
    url,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    get starts() {
      return starts;
    },
    logs: () => [...lines],
    logRecords: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async start() {
      if (service.pid) throw new Error(`${name} is already running`);
      starts += 1;
      const proc = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      let asked = false;
      (proc as ChildProcess & { askedToStop?: () => void }).askedToStop = () => (asked = true);
      for (const stream of [proc.stdout!, proc.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          lines.push(line);
          if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
          file.write(`${line}\n`);
        });
      }
      proc.once('exit', (code, signal) => {
        file.write(`# ${name} exited code=${code} signal=${signal}\n`);
        if (!asked) unexpected.push({ code, signal });
      });
      await waitReady();
    },
    async kill(signal = 'SIGKILL') {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return { code: proc?.exitCode ?? null, signal: proc?.signalCode ?? null };
      (proc as ChildProcess & { askedToStop?: () => void }).askedToStop?.();
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, sig) => resolve({ code, signal: sig })));
      proc.kill(signal);
      // A graceful stop that hangs is a finding, but the test must still end.
      const timer = signal === 'SIGKILL' ? null : setTimeout(() => proc.kill('SIGKILL'), 20_000);
      const result = await exited;
      if (timer) clearTimeout(timer);
      return result;
    },
    rssBytes() {
      const pid = service.pid;
      if (!pid) return 0;
      const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : 0;
    },
    unexpectedExits: () => [...unexpected],
    waitReady,
  };
  return service;
}
