import { describe, expect, it } from 'vitest';
import { run } from './tools.js';

describe('deploy/ sources', () => {
  it('typecheck (the generators and the migration one-shot are outside the root tsconfig)', () => {
    const result = run('pnpm', ['exec', 'tsc', '-p', 'deploy/tsconfig.json'], { timeout: 120_000 });
    expect(result.status, result.output).toBe(0);
  });

  it('include a shell build script bash can parse', () => {
    const result = run('bash', ['-n', 'deploy/docker/assemble.sh']);
    expect(result.status, result.output).toBe(0);
  });
});
