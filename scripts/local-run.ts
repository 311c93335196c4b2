/**
 * `pnpm start`: runs the whole system on this machine — the five services as separate processes
 * and the gateway on :9003 — waits until every service is ready, prints the URLs, and stops
 * everything on Ctrl-C. It needs PostgreSQL and NATS (JetStream) running; if either is missing
 * it says so in one line and exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { canConnect } from '@tessera/platform/testing';
import { ensureAccountPages } from './account-pages.js';
import { createGateway } from './gateway/gateway.js';
import { loadRoutes } from './gateway/routes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Side-by-side runs (and the runner's own test) shift every port and prefix every schema; the
// NATS names follow NATS_NAMESPACE, which the services read themselves.
const PORT_OFFSET = Number(process.env.TESSERA_PORT_OFFSET ?? 0);
const SCHEMA_PREFIX = process.env.TESSERA_SCHEMA_PREFIX ?? '';
const GATEWAY_PORT = 9003 + PORT_OFFSET;
const SCHEMAS: Record<string, string> = { 'token-api': 'token_api', audit: 'audit', sweeper: 'sweeper' };
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SERVICES = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'] as const;

function hostPort(url: string, port: number) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || port) };
}

async function checkDependencies(): Promise<void> {
  const pg = hostPort(DATABASE_URL, 5432);
  const nats = hostPort(NATS_URL, 4222);
  if (!(await canConnect(pg.host, pg.port))) {
    fail(`PostgreSQL is not reachable at ${pg.host}:${pg.port}: start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DATABASE_URL`);
  }
  if (!(await canConnect(nats.host, nats.port))) {
    fail(`NATS is not reachable at ${nats.host}:${nats.port}: start it with JetStream (nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server) or set NATS_URL`);
  }
}

function fail(line: string): never {
  process.stderr.write(`tessera: ${line}\n`);
  process.exit(1);
}

/** Prefixes each line of a child's output with its name, keeping the JSON intact. */
function pipeOutput(name: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${name.padEnd(10)} | ${line}\n`));
  }
}

async function waitReady(name: string, port: number, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} while starting`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s (see its log lines above)`);
}

async function main(): Promise<void> {
  await checkDependencies();
  let accountPages: string;
  try {
    accountPages = await ensureAccountPages(`${root}packages/account-web`, (line) => process.stdout.write(`${line}\n`));
  } catch (error) {
    fail((error as Error).message);
  }
  const { routes, upstreams: basePorts } = loadRoutes();
  const upstreams = Object.fromEntries(Object.entries(basePorts).map(([name, u]) => [name, { port: u.port + PORT_OFFSET }]));
  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\ntessera: stopping...\n');
    gateway.close();
    const exits = [...children.values()].map((c) => (c.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()))));
    for (const child of children.values()) child.kill('SIGTERM');
    const timer = setTimeout(() => [...children.values()].forEach((c) => c.kill('SIGKILL')), 15_000);
    await Promise.all(exits);
    clearTimeout(timer);
    process.exit(code);
  };

  for (const name of SERVICES) {
    const port = upstreams[name]!.port;
    const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL,
        NATS_URL,
        SERVICE_NAME: name,
        // The verifying services follow token-api's keys on its shifted port, not the default 9101.
        JWKS_URL: process.env.JWKS_URL ?? `http://127.0.0.1:${upstreams['token-api']!.port}/.well-known/jwks.json`,
        ...(SCHEMA_PREFIX && SCHEMAS[name] ? { DATABASE_SCHEMA: `${SCHEMA_PREFIX}${SCHEMAS[name]}` } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(name, child);
    pipeOutput(name, child);
    child.once('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`tessera: ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the rest\n`);
        void stopAll(1);
      }
    });
  }

  const targets = Object.fromEntries(Object.entries(upstreams).map(([name, u]) => [name, [`http://127.0.0.1:${u.port}`]]));
  const gateway = createGateway({ routes, targets, staticSites: [{ prefix: '/account', dir: accountPages }] });
  gateway.on('error', (error) => {
    process.stderr.write(`tessera: gateway cannot listen on ${GATEWAY_PORT}: ${error.message}\n`);
    void stopAll(1);
  });
  gateway.listen(GATEWAY_PORT, '0.0.0.0');

  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    await Promise.all(SERVICES.map((name) => waitReady(name, upstreams[name]!.port, children.get(name)!)));
  } catch (error) {
    process.stderr.write(`tessera: ${(error as Error).message}\n`);
    return stopAll(1);
  }
  process.stdout.write(
    [
      '',
      'tessera: all services ready',
      `  API        http://localhost:${GATEWAY_PORT}/api/v1   (health: http://localhost:${GATEWAY_PORT}/health)`,
      `  WebSocket  ws://localhost:${GATEWAY_PORT}/ws/tokens`,
      `  Account    http://localhost:${GATEWAY_PORT}/account   (admin: /account/admin)`,
      `  JWKS       http://localhost:${GATEWAY_PORT}/.well-known/jwks.json`,
      ...SERVICES.map((name) => `  ${name.padEnd(10)} http://localhost:${upstreams[name]!.port}  (/health, /metrics)`),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

void main();
