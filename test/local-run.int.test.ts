import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deleteNatsNamespace, queryTestDatabase, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The README's first command, end to end: `pnpm start` (scripts/local-run.ts) brings up the five
 * services and the gateway, /health through the gateway reports every one UP, Ctrl-C stops all.
 * Ports are shifted and names prefixed so this never collides with a developer's running system.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const suffix = uniqueSuffix();
// Below the kernel's ephemeral range (32768+), where other tests' free ports come from.
const offset = 1_000 + Math.floor(Math.random() * 14_000);
const schemaPrefix = `t_run_${suffix}_`;

function startRunner(env: Record<string, string>): { child: ChildProcess; lines: string[]; waitFor: (re: RegExp, ms?: number) => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts'], {
    cwd: root,
    env: { ...process.env, TESSERA_PORT_OFFSET: String(offset), TESSERA_SCHEMA_PREFIX: schemaPrefix, NATS_NAMESPACE: `run${suffix}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      listeners.forEach((l) => l());
    });
  }
  const waitFor = (re: RegExp, ms = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (lines.some((l) => re.test(l))) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => reject(new Error(`runner did not print ${re} within ${ms} ms:\n${lines.slice(-20).join('\n')}`)), ms);
      listeners.add(check);
      check();
    });
  return { child, lines, waitFor };
}

afterAll(async () => {
  await deleteNatsNamespace(`run${suffix}`);
  for (const schema of ['token_api', 'audit', 'sweeper']) await queryTestDatabase(`drop schema if exists ${schemaPrefix}${schema} cascade`);
});

describe('pnpm start (local runner)', () => {
  // Generous: a fresh checkout builds the account pages first, and CI machines are shared.
  it('brings every service up behind the gateway and stops them all on SIGINT', { timeout: 240_000 }, async () => {
    const runner = startRunner({});
    try {
      await runner.waitFor(/tessera: all services ready/, 90_000);
      // Ready means able to work; the full /health also waits for e.g. the verifiers' first key load.
      const { res, body } = await waitFor(async () => {
        const r = await fetch(`http://127.0.0.1:${9003 + offset}/health`);
        const b = (await r.json()) as { status: string; checks: Record<string, { status: string }> };
        return b.status === 'UP' ? { res: r, body: b } : null;
      }, { what: 'every service UP behind the gateway', timeoutMs: 30_000 });
      expect(res.status).toBe(200);
      expect(body.status).toBe('UP');
      expect(Object.fromEntries(Object.entries(body.checks).map(([k, v]) => [k, v.status]))).toEqual({
        'token-api': 'UP', revocation: 'UP', notifier: 'UP', audit: 'UP', sweeper: 'UP',
      });
      const metrics = await fetch(`http://127.0.0.1:${9102 + offset}/metrics`);
      expect(await metrics.text()).toContain('http_requests_total');
    } finally {
      const exited = new Promise<number | null>((r) => runner.child.once('exit', (code) => r(code)));
      runner.child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
    expect(runner.lines.filter((l) => /"message":"stopped"/.test(l))).toHaveLength(5);
  });

  it('says in one line what to start when NATS is missing', async () => {
    const runner = startRunner({ NATS_URL: 'nats://127.0.0.1:1' });
    const code = await new Promise<number | null>((r) => runner.child.once('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(runner.lines).toEqual([expect.stringMatching(/^tessera: NATS is not reachable at 127\.0\.0\.1:1: start it/)]);
  });
});
