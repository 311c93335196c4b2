// Starts token-api as its own process, as `pnpm start` would, optionally pinned to CPUs.
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface BenchServer {
  url: string;
  schema: string;
  namespace: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startServer(options: { port: number; cpus?: string; env?: Record<string, string> }): Promise<BenchServer> {
  const suffix = randomBytes(4).toString('hex');
  const schema = `bench_token_api_${suffix}`;
  const namespace = `bench${suffix}`;
  const env = {
    ...process.env,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    DATABASE_SCHEMA: schema,
    NATS_NAMESPACE: namespace,
    LOG_LEVEL: process.env.SERVER_LOG_LEVEL ?? 'info',
    DATABASE_POOL_MAX: '20',
    ...options.env,
  };
  const node = [process.execPath, ...(process.env.SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'services/token-api/src/main.ts'];
  const [cmd, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...node] : node;
  const child = spawn(cmd!, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`token-api exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { checks?: Record<string, { status: string }> };
      if (res.ok && body.checks?.nats?.status === 'UP') break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) throw new Error('token-api not ready within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    schema,
    namespace,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
