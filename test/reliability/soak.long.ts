import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RESULTS_DIR, type CaseFigures } from './support/report.js';

/*
 * The CI-sized soak inside `pnpm test:long`: `pnpm test:soak` with SOAK_SECONDS (default here
 * 60). The script judges its own bounds (see soak.ts) and exits non-zero when one is broken.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);

describe('soak (short)', () => {
  it(`holds ${SECONDS} s of steady mixed traffic through the gateway: no failures, bounded RSS, zero lost events`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/reliability/soak.ts'], {
      cwd: root,
      env: { ...process.env, SOAK_SECONDS: String(SECONDS), TESSERA_RELIABILITY_SUITE: '1', TESSERA_RELIABILITY_RESULTS: RESULTS_DIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    const file = join(RESULTS_DIR, `6-soak-${SECONDS}s.json`);
    // A soak that died before judging itself wrote no figures: its own output says why.
    expect(existsSync(file), `exit ${code}; ${output.slice(-4_000)}`).toBe(true);
    const figures = JSON.parse(readFileSync(file, 'utf8')) as CaseFigures;
    expect(figures.checks, output.slice(-4_000)).toSatisfy((c: Record<string, boolean>) => Object.values(c).every(Boolean));
    expect(code, output.slice(-4_000)).toBe(0);
  }, (SECONDS + 300) * 1000);
});
