import { ConfigError, loadConfig } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { TokenApiConfig } from './config.js';

describe('TokenApiConfig', () => {
  it('runs with no environment at all outside production (local runner)', () => {
    const config = loadConfig(TokenApiConfig, {});
    expect(config).toMatchObject({ PORT: 9101, JWT_ALG: 'ES256', ACCESS_TOKEN_EXPIRE_MINUTES: 15, REFRESH_TOKEN_EXPIRE_MINUTES: 43_200, REFRESH_GRACE_SECONDS: 10, ARGON2_MEMORY_KIB: 19_456, ARGON2_TIME_COST: 2, ARGON2_PARALLELISM: 1, REGISTRATION_MODE: 'open' });
    expect(config.SIGNING_KEY_ENCRYPTION_KEY).toBeUndefined();
  });

  it('refuses production without a key-encryption key, naming the variable', () => {
    expect(() => loadConfig(TokenApiConfig, { NODE_ENV: 'production' })).toThrow(new ConfigError('SIGNING_KEY_ENCRYPTION_KEY', 'is required in production (it seals signing keys and TOTP secrets)'));
    // File-managed signing keys still leave the TOTP secrets to seal.
    expect(() => loadConfig(TokenApiConfig, { NODE_ENV: 'production', JWT_PRIVATE_KEY_FILE: '/keys/current.pem' })).toThrow(/SIGNING_KEY_ENCRYPTION_KEY/);
    const kek = Buffer.alloc(32, 3).toString('base64');
    expect(() => loadConfig(TokenApiConfig, { NODE_ENV: 'production', JWT_PRIVATE_KEY_FILE: '/keys/current.pem', SIGNING_KEY_ENCRYPTION_KEY: kek })).not.toThrow();
  });

  it('takes a 32-byte base64 KEK and refuses any other length', () => {
    const kek = Buffer.alloc(32, 1);
    expect(loadConfig(TokenApiConfig, { SIGNING_KEY_ENCRYPTION_KEY: kek.toString('base64') }).SIGNING_KEY_ENCRYPTION_KEY).toEqual(kek);
    expect(loadConfig(TokenApiConfig, { SIGNING_KEY_ENCRYPTION_KEY: kek.toString('base64url') }).SIGNING_KEY_ENCRYPTION_KEY).toEqual(kek);
    expect(() => loadConfig(TokenApiConfig, { SIGNING_KEY_ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/SIGNING_KEY_ENCRYPTION_KEY/);
  });

  it('wants ADMIN_EMAIL and ADMIN_PASSWORD together, and an acceptable password', () => {
    expect(() => loadConfig(TokenApiConfig, { ADMIN_EMAIL: 'root@example.com' })).toThrow(/ADMIN_PASSWORD/);
    expect(() => loadConfig(TokenApiConfig, { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD/);
    expect(loadConfig(TokenApiConfig, { ADMIN_EMAIL: ' Root@Example.com', ADMIN_PASSWORD: 'long enough' }).ADMIN_EMAIL).toBe('root@example.com');
  });

  it('MFA settings: defaults, bounds and the login policy', () => {
    expect(loadConfig(TokenApiConfig, {})).toMatchObject({ MFA_TOTP_ISSUER: 'Tessera', MFA_TICKET_TTL_SECONDS: 300, MFA_RECENT_SECONDS: 300, MFA_LOGIN_POLICY: 'unfamiliar', KNOWN_DEVICE_TTL_DAYS: 90 });
    expect(loadConfig(TokenApiConfig, { MFA_LOGIN_POLICY: 'always' }).MFA_LOGIN_POLICY).toBe('always');
    expect(() => loadConfig(TokenApiConfig, { MFA_LOGIN_POLICY: 'never' })).toThrow(/MFA_LOGIN_POLICY/);
    expect(() => loadConfig(TokenApiConfig, { MFA_TICKET_TTL_SECONDS: '5' })).toThrow(/MFA_TICKET_TTL_SECONDS/);
    expect(() => loadConfig(TokenApiConfig, { MFA_TOTP_ISSUER: 'a:b' })).toThrow(/MFA_TOTP_ISSUER/);
  });

  it('accepts only the three signing algorithms', () => {
    expect(() => loadConfig(TokenApiConfig, { JWT_ALG: 'HS256' })).toThrow(/JWT_ALG/);
    expect(loadConfig(TokenApiConfig, { JWT_ALG: 'EdDSA' }).JWT_ALG).toBe('EdDSA');
  });
});
