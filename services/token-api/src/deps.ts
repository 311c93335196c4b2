import type { Kysely } from 'kysely';
import type { Logger, Topology } from '@tessera/platform';
import { v7 } from 'uuid';
import type { TokenApiConfig } from './config.js';
import type { TokenApiDatabase } from './db/schema.js';
import type { Lifetimes, NextId } from './domain/model.js';
import type { ThrottlePolicy } from './domain/throttle.js';
import type { AuthMetrics } from './metrics.js';
import type { OutboxEntry } from './outbox/append.js';
import type { PasswordHasher } from './secrets/passwords.js';
import type { KeyEncryptionKey } from './signing/key-encryption.js';
import type { KeyStore } from './signing/key-store.js';
import type { Verification } from './verification/verification.js';

/** Everything a command needs, passed in once (no module singletons). */
export interface TokenApiDeps {
  config: TokenApiConfig;
  db: Kysely<TokenApiDatabase>;
  logger: Logger;
  topology: Topology;
  keys: KeyStore;
  passwords: PasswordHasher;
  metrics: AuthMetrics;
  /** Hands committed events to the outbox publisher (never throws, never waits). */
  afterCommit: (entries: OutboxEntry[]) => void;
  clock: () => number;
  /** Seals per-user secrets at rest (TOTP); the signing keys' key-encryption key. */
  secretsKek: KeyEncryptionKey;
  /** Access-token checks for bearer routes and introspection (verifier, policies, last use). */
  verification: Verification;
}

/** UUIDv7s carrying `now`, so a token's jti tells its issue instant to the millisecond. */
export const idsAt = (now: number): NextId => () => v7({ msecs: now });

export function lifetimes(config: TokenApiConfig): Lifetimes {
  return { accessTtlMs: config.ACCESS_TOKEN_EXPIRE_MINUTES * 60_000, refreshTtlMs: config.REFRESH_TOKEN_EXPIRE_MINUTES * 60_000 };
}

export function accountPolicy(config: TokenApiConfig): ThrottlePolicy {
  return { maxFailures: config.LOGIN_MAX_FAILURES, windowMs: config.LOGIN_FAILURE_WINDOW_SECONDS * 1000, lockoutMs: config.LOGIN_LOCKOUT_SECONDS * 1000 };
}

export function ipPolicy(config: TokenApiConfig): ThrottlePolicy {
  return { maxFailures: config.LOGIN_IP_MAX_FAILURES, windowMs: config.LOGIN_IP_WINDOW_SECONDS * 1000, lockoutMs: config.LOGIN_IP_WINDOW_SECONDS * 1000 };
}

/** A retired key stays in the JWKS while tokens it signed can be live, plus a minute of skew. */
export function keyRetentionMs(config: TokenApiConfig): number {
  return config.ACCESS_TOKEN_EXPIRE_MINUTES * 60_000 + 60_000;
}
