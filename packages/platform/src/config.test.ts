import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, ConfigError, databaseConfigSchema, loadConfig } from './config.js';

const schema = baseConfigSchema.extend(databaseConfigSchema.shape);

describe('loadConfig', () => {
  it('parses a good environment and applies defaults', () => {
    const config = loadConfig(schema, { PORT: '9101' });
    expect(config.PORT).toBe(9101);
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('names a missing required variable', () => {
    expect(() => loadConfig(schema, {})).toThrowError(new ConfigError('PORT', 'is required'));
  });

  it('names a variable with a bad value', () => {
    const attempt = () => loadConfig(schema, { PORT: '70000' });
    expect(attempt).toThrowError(ConfigError);
    expect(attempt).toThrowError(/^invalid configuration: PORT: /);
    expect(() => loadConfig(schema, { PORT: '1', LOG_LEVEL: 'loud' })).toThrowError(/LOG_LEVEL/);
    expect(() => loadConfig(schema, { PORT: '1', DATABASE_URL: 'mysql://x' })).toThrowError(/DATABASE_URL: must be a postgres/);
    expect(() => loadConfig(schema, { PORT: '1', NATS_NAMESPACE: 'a.b' })).toThrowError(/NATS_NAMESPACE/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(schema, { PORT: '1', LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });

  it('works with any zod schema', () => {
    expect(loadConfig(z.object({ A: z.coerce.number() }), { A: '3' })).toEqual({ A: 3 });
  });

  it('stops a process with one line naming the variable', () => {
    const script = `
      import { loadConfigOrExit, baseConfigSchema } from ${JSON.stringify(fileURLToPath(new URL('./config.ts', import.meta.url)))};
      loadConfigOrExit(baseConfigSchema, { PORT: 'abc' });
      console.log('not reached');
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(result.status).toBe(78);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: PORT: /);
  });
});
