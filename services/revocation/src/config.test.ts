import { ConfigError, loadConfig } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { RevocationConfig } from './config.js';

describe('RevocationConfig', () => {
  it('defaults to the DESIGN §8 lifetimes and token-api on 9101', () => {
    const config = loadConfig(RevocationConfig, {});
    expect(config).toMatchObject({
      PORT: 9102,
      ACCESS_TOKEN_EXPIRE_MINUTES: 15,
      REFRESH_TOKEN_EXPIRE_MINUTES: 43_200,
      JWKS_URL: 'http://127.0.0.1:9101/.well-known/jwks.json',
      JWT_ALG: 'ES256',
      BLACKLIST_CLEANUP_INTERVAL_SECONDS: 900,
    });
  });

  it.each([
    ['JWKS_URL', 'file:///etc/passwd'],
    ['REFRESH_TOKEN_EXPIRE_MINUTES', '0'],
    ['JWT_ALG', 'HS256'],
    ['CONSUMER_MAX_ATTEMPTS', 'many'],
  ])('refuses a bad %s with an error naming it', (variable, value) => {
    expect(() => loadConfig(RevocationConfig, { [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig(RevocationConfig, { [variable]: value })).toThrow(variable);
  });
});
