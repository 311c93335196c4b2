import { ConfigError, loadConfig } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { SweeperConfig } from './config.js';

describe('SweeperConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig(SweeperConfig, {})).toMatchObject({
      PORT: 9105,
      DATABASE_SCHEMA: 'sweeper',
      SWEEP_INTERVAL_MS: 10_000,
      SWEEP_BATCH_SIZE: 1_000,
      SWEEP_CONCURRENCY: 2,
      TOKEN_EXPIRING_WARNING_SECONDS: 0,
    });
  });

  it.each([
    ['SWEEP_INTERVAL_MS', '0'],
    ['SWEEP_BATCH_SIZE', '0'],
    ['SWEEP_BATCH_SIZE', 'lots'],
    ['TOKEN_EXPIRING_WARNING_SECONDS', '-1'],
    ['CONSUMER_MAX_ATTEMPTS', '0'],
    ['SWEEP_CONCURRENCY', '9'],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => loadConfig(SweeperConfig, { [variable]: value })).toThrow(ConfigError);
    try {
      loadConfig(SweeperConfig, { [variable]: value });
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });
});
