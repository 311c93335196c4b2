import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteNatsNamespace, freePort, queryTestDatabase, testDatabaseUrl, testNatsUrl, uniqueName, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRoutes } from '../../scripts/gateway/routes.js';
import { readText, ROOT, run } from './tools.js';

/*
 * The image's build stage runs deploy/docker/assemble.sh; so does this test, on this machine (no
 * Docker engine here), then starts each service from the assembled tree alone, the way the image's
 * CMD does. What differs from the container: Node 20 instead of 24, and the host's filesystem.
 */
const SERVICES = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'] as const;
const DATABASE_SERVICES = new Set(['token-api', 'audit', 'sweeper']);
const { upstreams } = loadRoutes();
const work = mkdtempSync(join(tmpdir(), 'tessera-image-tree-'));
const namespace = `img${uniqueSuffix()}`;
const schemas: string[] = [];

function assemble(service: string): { dir: string; output: string; status: number | null } {
  const dir = join(work, service);
  const result = run('bash', ['deploy/docker/assemble.sh', service, dir], { timeout: 240_000 });
  return { dir, output: result.output, status: result.status };
}

/** package.json of every package in the tree's virtual store. */
function productionManifests(dir: string): { dependencies?: Record<string, string> }[] {
  const store = join(dir, 'node_modules', '.pnpm');
  return readdirSync(store)
    .filter((entry) => entry !== 'node_modules' && !entry.startsWith('.'))
    .flatMap((entry) => {
      const modules = join(store, entry, 'node_modules');
      if (!existsSync(modules)) return [];
      return readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => join(modules, name, n)) : [join(modules, name)]));
    })
    .filter((pkg) => existsSync(join(pkg, 'package.json')))
    .map((pkg) => JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> });
}

/** What the image's HEALTHCHECK runs, against `port`. */
function healthcheckCommand(): string[] {
  const line = readText('Dockerfile').match(/HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/)![1]!;
  return JSON.parse(line) as string[];
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));
}

afterAll(async () => {
  await deleteNatsNamespace(namespace);
  for (const schema of schemas) await queryTestDatabase(`drop schema if exists "${schema}" cascade`);
  rmSync(work, { recursive: true, force: true });
});

describe.each(SERVICES)('the %s image tree', (service) => {
  let tree: ReturnType<typeof assemble>;
  beforeAll(() => {
    tree = assemble(service);
  }, 240_000);

  it('is assembled by deploy/docker/assemble.sh', () => {
    expect(tree.status, tree.output).toBe(0);
    expect(readFileSync(join(tree.dir, '.default-port'), 'utf8')).toBe(String(upstreams[service]!.port));
  });

  it('holds production dependencies only', () => {
    expect(tree.status, tree.output).toBe(0);
    const manifest = JSON.parse(readText(`services/${service}/package.json`)) as { devDependencies?: Record<string, string> };
    for (const dev of Object.keys(manifest.devDependencies ?? {})) expect(existsSync(join(tree.dir, 'node_modules', dev)), `${dev} is a devDependency`).toBe(false);
    const store = readdirSync(join(tree.dir, 'node_modules', '.pnpm'));
    for (const tool of ['vitest@', 'typescript@', 'turbo@', 'testcontainers@', 'esbuild-register@', '@vitest+']) {
      expect(store.filter((p) => p.startsWith(tool)), `${tool} in the production tree`).toEqual([]);
    }
    // Type packages only where a production package itself depends on one (protobufjs, under the
    // OTLP exporter, lists @types/node in its dependencies).
    const declared = new Set(productionManifests(tree.dir).flatMap((m) => Object.keys(m.dependencies ?? {})));
    const types = store.filter((p) => p.startsWith('@types+')).map((p) => `@types/${p.slice('@types+'.length).replace(/@[^@]+$/, '')}`);
    expect(types.filter((t) => !declared.has(t))).toEqual([]);
    expect(existsSync(join(tree.dir, 'node_modules', 'tsx', 'package.json'))).toBe(true);
    expect(readdirSync(join(tree.dir, 'src'), { recursive: true }).filter((f) => String(f).endsWith('.test.ts'))).toEqual([]);
  });

  it('starts from the tree alone, like the image CMD, answers /health/live, /metrics and the HEALTHCHECK, and stops cleanly on SIGTERM', async () => {
    expect(tree.status, tree.output).toBe(0);
    const port = await freePort();
    const schema = uniqueName(`img_${service.replace('-', '_')}`);
    if (DATABASE_SERVICES.has(service)) schemas.push(schema);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: tree.dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        NATS_URL: testNatsUrl(),
        NATS_NAMESPACE: namespace,
        DATABASE_URL: testDatabaseUrl(),
        DATABASE_SCHEMA: schema,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}:\n${output}`);
          return (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined))?.ok;
        },
        { timeoutMs: 45_000, what: `${service} live` },
      );
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('http_requests_total');
      expect(metrics).toContain(`service="${service}"`);
      const [node, ...args] = healthcheckCommand();
      const check = spawn(node!, args, { env: { PATH: process.env.PATH, PORT: String(port) }, stdio: 'ignore' });
      expect(await exitOf(check)).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exitOf(child), output).toBe(0);
  }, 90_000);
});

describe('the migrate image tree', () => {
  let tree: ReturnType<typeof assemble>;
  beforeAll(() => {
    tree = assemble('migrate');
  }, 240_000);

  it("applies every schema owner's migrations, and again is a no-op", async () => {
    expect(tree.status, tree.output).toBe(0);
    const owners = { 'token-api': uniqueName('img_mig_token_api'), audit: uniqueName('img_mig_audit'), sweeper: uniqueName('img_mig_sweeper') };
    schemas.push(...Object.values(owners));
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: testDatabaseUrl(),
      TOKEN_API_DATABASE_SCHEMA: owners['token-api'],
      AUDIT_DATABASE_SCHEMA: owners.audit,
      SWEEPER_DATABASE_SCHEMA: owners.sweeper,
    };
    const migrate = () => run(process.execPath, ['--import', 'tsx', 'migrate.ts'], { cwd: tree.dir, env, timeout: 60_000 });
    const first = migrate();
    expect(first.status, first.output).toBe(0);
    for (const [service, schema] of Object.entries(owners)) {
      const { migrations } = (await import(join(ROOT, `services/${service}/src/migrations/index.ts`))) as { migrations: Record<string, unknown> };
      const applied = await queryTestDatabase<{ name: string }>(`select name from "${schema}".kysely_migration order by name`);
      expect(applied.map((r) => r.name), service).toEqual(Object.keys(migrations).sort());
    }
    const second = migrate();
    expect(second.status, second.output).toBe(0);
    expect(second.output).not.toContain('migrations applied');
  }, 120_000);

  it('stops with exit 78 naming the variable when the configuration is wrong', () => {
    expect(tree.status, tree.output).toBe(0);
    const result = run(process.execPath, ['--import', 'tsx', 'migrate.ts'], { cwd: tree.dir, env: { PATH: process.env.PATH, DATABASE_URL: 'mysql://nope' } });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL');
  });
});
