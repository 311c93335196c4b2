import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEPLOY = `${ROOT}deploy/`;

export const readText = (relative: string) => readFileSync(`${ROOT}${relative}`, 'utf8');

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).status === 0;
}

/**
 * The external tools these tests run (promtool, nginx): Debian's packages. When a binary is
 * missing and we are root (CI and the developers' machines), install its package with apt-get; a
 * policy-rc.d on these machines keeps the package's service from being started. Otherwise fail
 * with the command to run: these checks never skip.
 */
export function ensureTool(binary: string, aptPackage: string): string {
  if (onPath(binary)) return binary;
  if (process.getuid?.() !== 0) {
    throw new Error(`${binary} is missing and this user cannot install it: run 'apt-get install -y ${aptPackage}' as root`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', aptPackage], { encoding: 'utf8', env, timeout: 300_000 });
  let result = install();
  if (result.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update'], { encoding: 'utf8', env, timeout: 300_000 });
    result = install();
  }
  if (result.status !== 0 || !onPath(binary)) {
    throw new Error(`installing ${aptPackage} for ${binary} failed:\n${result.stderr || result.stdout}`);
  }
  return binary;
}

/** Runs a command and returns its output; the assertion message carries stdout and stderr. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> & { output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd ?? ROOT, env: options.env ?? process.env, timeout: options.timeout ?? 120_000 });
  return Object.assign(result, { output: `$ ${command} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? `\n${result.error.message}` : ''}` });
}
