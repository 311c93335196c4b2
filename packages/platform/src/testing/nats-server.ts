import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect } from './services.js';
import { waitFor } from './wait.js';

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** Asks the kernel for a free TCP port on loopback. */
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

export interface OwnNatsServer {
  url: string;
  port: number;
  /** Kills the server (SIGKILL by default, like a crash), keeping its store for a restart. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same store. */
  start(): Promise<void>;
  /** Stops it and deletes its store. */
  dispose(): Promise<void>;
}

/**
 * A private nats-server with JetStream on a free loopback port, for tests that stop or cut off
 * NATS. Never touches the machine's shared server on 4222.
 */
export async function startNatsServer(extraArgs: string[] = []): Promise<OwnNatsServer> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'tessera-nats-'));
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...extraArgs], { stdio: 'ignore' });
    const proc = child;
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitFor(async () => {
      if (exited) throw new Error(`nats-server exited at start (is ${NATS_SERVER_BIN} installed?)`);
      return canConnect('127.0.0.1', port, 200);
    }, { timeoutMs: 10_000, what: `nats-server on port ${port}` });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
