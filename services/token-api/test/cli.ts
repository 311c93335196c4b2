import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Api } from './harness.js';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `src/cli.ts` as the runbook would, with the service's environment. */
export function runCli(api: Api, args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { config } = api;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: config.DATABASE_URL,
    DATABASE_SCHEMA: config.DATABASE_SCHEMA,
    NATS_URL: config.NATS_URL,
    NATS_NAMESPACE: config.NATS_NAMESPACE,
    ARGON2_MEMORY_KIB: String(config.ARGON2_MEMORY_KIB),
    ARGON2_TIME_COST: String(config.ARGON2_TIME_COST),
    LOG_LEVEL: 'warn',
    ...(config.SIGNING_KEY_ENCRYPTION_KEY ? { SIGNING_KEY_ENCRYPTION_KEY: config.SIGNING_KEY_ENCRYPTION_KEY.toString('base64') } : {}),
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: serviceDir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
