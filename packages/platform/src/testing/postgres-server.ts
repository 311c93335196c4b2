import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nats-server.js';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface OwnPostgresServer {
  url: string;
  port: number;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses root). */
async function asPostgres(binary: string, args: string[]): Promise<void> {
  const path = join(PG_BIN, binary);
  if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', path, ...args]);
  else await run(path, args);
}

/**
 * A private PostgreSQL 15 cluster (initdb + pg_ctl) on a free loopback port, trust auth, for
 * tests that stop or restart the database. Never touches the machine's shared cluster.
 */
export async function startPostgresServer(): Promise<OwnPostgresServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'tessera-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const start = () =>
    asPostgres('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => asPostgres('pg_ctl', ['-D', data, '-w', '-m', mode, 'stop']).catch(() => {});
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    dispose: async () => {
      await stop('immediate');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
