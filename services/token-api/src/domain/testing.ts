// Fixtures for the decider tests: a fixed clock and counting id generators. Test-only.
import type { ClientContext, Lifetimes, NextId, TokenState, UserState } from './model.js';

export const NOW = 1_768_471_200_000;

/** Deterministic UUIDv7s with NOW's timestamp: 019bc119-0100-7000-8000-00000000000N. */
export function counterIds(start = 1): NextId & { issued: string[] } {
  let n = start;
  const issued: string[] = [];
  const next = (() => {
    const id = `019bc119-0100-7000-8000-${String(n++).padStart(12, '0')}`;
    issued.push(id);
    return id;
  }) as NextId & { issued: string[] };
  next.issued = issued;
  return next;
}

export const USER: UserState = {
  id: '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f',
  email: 'ada@example.com',
  role: 'user',
  allowedCountries: null,
  tokensNotBefore: null,
};

export const PHONE: ClientContext = { ip: '203.0.113.7', userAgent: 'Phone/1.0', fingerprint: 'aa11' };
export const LAPTOP: ClientContext = { ip: '198.51.100.9', userAgent: 'Laptop/2.0', fingerprint: 'bb22' };
export const LIFETIMES: Lifetimes = { accessTtlMs: 15 * 60_000, refreshTtlMs: 30 * 86_400_000 };

export const FAMILY = '019bc119-0000-7000-8000-00000000f001';

export function token(overrides: Partial<TokenState> & Pick<TokenState, 'id'>): TokenState {
  return {
    userId: USER.id,
    type: 'REFRESH',
    status: 'ACTIVE',
    familyId: FAMILY,
    refreshTokenId: null,
    successorTokenId: null,
    scopes: ['READ_PROFILE', 'READ_TOKENS'],
    fingerprint: PHONE.fingerprint,
    createdAt: NOW - 60_000,
    expiresAt: NOW + 86_400_000,
    revokedAt: null,
    revocationReason: null,
    ...overrides,
  };
}
