import { createConnection } from 'node:net';

/*
 * Integration tests use the PostgreSQL and NATS running on the machine (env DATABASE_URL /
 * NATS_URL, else the 127.0.0.1 defaults). The global setup checks them once and, when neither env
 * nor defaults answer and a Docker engine exists, starts containers and exports their URLs.
 */
export const testDatabaseUrl = (): string => process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const testNatsUrl = (): string => process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Resolves true if something accepts TCP connections at host:port within the timeout. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}
