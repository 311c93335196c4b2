import { describe, it, expect } from 'vitest';
import { BlacklistCleanupResponse, BlacklistSizeResponse, HealthResponse } from './ops.js';

describe('blacklist maintenance', () => {
  it('accepts counts and rejects anything else', () => {
    expect(BlacklistSizeResponse.safeParse({ revokedTokens: 1, revokedSessions: 2, userCutoffs: 3, total: 6 }).success).toBe(true);
    expect(BlacklistSizeResponse.safeParse({ revokedTokens: 1, revokedSessions: 2, total: 3 }).success).toBe(false);
    expect(BlacklistCleanupResponse.safeParse({ removed: 0 }).success).toBe(true);
    expect(BlacklistCleanupResponse.safeParse({ removed: -1 }).success).toBe(false);
    expect(BlacklistCleanupResponse.safeParse({ removed: 1, took: 3 }).success).toBe(false);
  });
});

describe('HealthResponse', () => {
  it('accepts named checks', () => {
    const body = { status: 'DOWN', checks: { postgres: { status: 'UP' }, nats: { status: 'DOWN', detail: 'connection refused' } } };
    expect(HealthResponse.safeParse(body).success).toBe(true);
  });

  it.each([
    { status: 'OK', checks: {} },
    { status: 'UP' },
    { status: 'UP', checks: { postgres: { status: 'up' } } },
    { status: 'UP', checks: { 'Bad Name': { status: 'UP' } } },
    { status: 'UP', checks: { nats: { status: 'UP', detail: 'x'.repeat(1025) } } },
    { status: 'UP', checks: {}, stack: 'Error: ...' },
  ])('rejects %j', (body) => {
    expect(HealthResponse.safeParse(body).success).toBe(false);
  });
});
