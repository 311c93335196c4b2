import { execFileSync } from 'node:child_process';
import { machine } from '../../lib/stats.js';
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export function machineAndPinning(): string {
  const affinity = (() => {
    try {
      return execFileSync('taskset', ['-pc', String(process.pid)]).toString().trim().split(': ')[1];
    } catch {
      return 'unknown';
    }
  })();
  // Other work on the machine shows in the load average printed with the figures.
  return `${machine()}; load generator on CPUs ${affinity}`;
}

export const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
