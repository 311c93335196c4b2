/**
 * The account pages' static build (packages/account-web/dist) for the local runner: built with
 * Vite when missing or older than its sources, under a lock file, because several runners (the
 * tests start their own) may start at once and must not build into one directory together.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const STALE_LOCK_MS = 120_000;

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), stats.mtimeMs);
}

export function isBuildCurrent(packageDir: string): boolean {
  const index = join(packageDir, 'dist', 'index.html');
  if (!existsSync(index)) return false;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(packageDir, p)).filter((p) => existsSync(p));
  return statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime));
}

async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A runner killed mid-build leaves its lock behind; nobody builds for two minutes.
      if (Date.now() - statSync(lockPath, { throwIfNoEntry: false })!.mtimeMs > STALE_LOCK_MS) rmSync(lockPath, { force: true });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      return await work();
    } finally {
      closeSync(fd);
      rmSync(lockPath, { force: true });
    }
  }
}

/** Returns the directory to serve, building it first if needed. */
export async function ensureAccountPages(packageDir: string, log: (line: string) => void): Promise<string> {
  const dist = join(packageDir, 'dist');
  if (isBuildCurrent(packageDir)) return dist;
  await withLock(join(packageDir, '.build.lock'), async () => {
    if (isBuildCurrent(packageDir)) return;
    log('tessera: building the account pages (pnpm --filter @tessera/account-web build)...');
    const vite = join(dirname(createRequire(join(packageDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'error'], { cwd: packageDir, stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`building the account pages failed (vite exited with ${code})`);
  });
  return dist;
}
