import { describe, it, expect } from 'vitest';
import { FIXED_IDS, FIXED_NOW_ISO } from '../testing/fixtures.js';
import {
  ActiveToken,
  ActiveTokensResponse,
  ClientIpParam,
  IpTokensResponse,
  LogoutAllResponse,
  RevokeTokenRequest,
  RevokeTokenResponse,
  TokenDetails,
  TokenIdParam,
  TokenStats,
  UserIdParam,
} from './tokens.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

const active = {
  tokenId: FIXED_IDS.tokenId,
  tokenType: 'ACCESS',
  familyId: FIXED_IDS.familyId,
  device: { browser: 'Firefox', os: 'Linux', type: 'desktop' },
  clientIp: '203.0.113.7',
  createdAt: FIXED_NOW_ISO,
  lastUsedAt: null,
  expiresAt: '2026-01-15T10:15:00.000Z',
  current: true,
};

const details = {
  tokenId: FIXED_IDS.tokenId,
  userId: FIXED_IDS.userId,
  email: 'ann@example.org',
  tokenType: 'REFRESH',
  status: 'REVOKED',
  familyId: FIXED_IDS.familyId,
  parentTokenId: FIXED_IDS.parentTokenId,
  successorTokenId: null,
  createdAt: FIXED_NOW_ISO,
  expiresAt: '2026-02-14T10:00:00.000Z',
  lastUsedAt: FIXED_NOW_ISO,
  clientIp: '2001:db8::1',
  userAgent: 'Mozilla/5.0',
  device: { browser: 'Safari', os: 'iOS', type: 'mobile' },
  scopes: ['READ_PROFILE'],
  revoked: true,
  revocationReason: 'user logout',
  revokedAt: FIXED_NOW_ISO,
  metadata: { allowedCountries: ['FR'], note: null },
};

describe('ActiveToken', () => {
  it('accepts a token, with or without current', () => {
    expect(ok(ActiveToken, active)).toBe(true);
    const { current: _c, ...withoutCurrent } = active;
    expect(ok(ActiveToken, withoutCurrent)).toBe(true);
    expect(ok(ActiveTokensResponse, { items: [active], nextCursor: null })).toBe(true);
  });

  it('carries the country of issue when the edge knew it', () => {
    expect(ok(ActiveToken, { ...active, country: 'FR' })).toBe(true);
    expect(ok(ActiveToken, { ...active, country: 'fr' })).toBe(false);
    expect(ok(ActiveToken, { ...active, country: 'France' })).toBe(false);
  });

  it.each([
    { tokenType: 'ID' },
    { device: { browser: 'Firefox', os: 'Linux', type: 'fridge' } },
    { device: { browser: 'x'.repeat(65), os: 'Linux', type: 'desktop' } },
    { device: { browser: 'Firefox', os: 'Linux' } },
    { clientIp: 'somewhere' },
    { lastUsedAt: undefined },
    { createdAt: '2026-01-15T10:00:00Z' },
    { tokenHash: 'abc' },
  ])('rejects %j', (patch) => {
    expect(ok(ActiveToken, { ...active, ...patch })).toBe(false);
  });
});

describe('TokenStats', () => {
  const stats = {
    total: 3,
    byType: { ACCESS: 2, REFRESH: 1 },
    byStatus: { ACTIVE: 1, EXPIRED: 1, REVOKED: 1 },
    byDevice: { desktop: 2, mobile: 1 },
  };

  it('accepts complete counts', () => {
    expect(ok(TokenStats, stats)).toBe(true);
  });

  it.each([
    { byType: { ACCESS: 2 } },
    { byType: { ACCESS: 2, REFRESH: 1, ID: 0 } },
    { byStatus: { ACTIVE: -1, EXPIRED: 1, REVOKED: 1 } },
    { byDevice: { desktop: 1.5 } },
    { total: '3' },
  ])('rejects %j', (patch) => {
    expect(ok(TokenStats, { ...stats, ...patch })).toBe(false);
  });
});

describe('TokenDetails', () => {
  it('accepts every recorded field', () => {
    expect(ok(TokenDetails, details)).toBe(true);
  });

  it('requires each field', () => {
    for (const field of Object.keys(details)) {
      const copy: Record<string, unknown> = { ...details };
      delete copy[field];
      expect(ok(TokenDetails, copy), field).toBe(false);
    }
  });

  it.each([
    { status: 'active' },
    { userAgent: 'x'.repeat(513) },
    { revocationReason: '' },
    { metadata: { fn: 'x', bad: undefined } },
    { metadata: { ['k'.repeat(65)]: 1 } },
    { extra: true },
  ])('rejects %j', (patch) => {
    expect(ok(TokenDetails, { ...details, ...patch })).toBe(false);
  });
});

describe('IpTokensResponse', () => {
  it('names the user and status of each token, not `current`', () => {
    const { current: _c, ...item } = active;
    expect(ok(IpTokensResponse, { items: [{ ...item, userId: FIXED_IDS.userId, status: 'ACTIVE' }], nextCursor: null })).toBe(true);
    expect(ok(IpTokensResponse, { items: [{ ...active, userId: FIXED_IDS.userId, status: 'ACTIVE' }], nextCursor: null })).toBe(false);
    expect(ok(IpTokensResponse, { items: [item], nextCursor: null })).toBe(false);
  });
});

describe('revocation bodies', () => {
  it('RevokeTokenRequest takes an optional bounded reason', () => {
    expect(ok(RevokeTokenRequest, {})).toBe(true);
    expect(ok(RevokeTokenRequest, { reason: 'lost phone' })).toBe(true);
    expect(ok(RevokeTokenRequest, { reason: '' })).toBe(false);
    expect(ok(RevokeTokenRequest, { reason: 'x'.repeat(257) })).toBe(false);
    expect(ok(RevokeTokenRequest, { reason: 'x', all: true })).toBe(false);
  });

  it('RevokeTokenResponse and LogoutAllResponse', () => {
    expect(ok(RevokeTokenResponse, { tokenId: FIXED_IDS.tokenId, revoked: true, revokedCount: 2 })).toBe(true);
    expect(ok(RevokeTokenResponse, { tokenId: FIXED_IDS.tokenId, revoked: false, revokedCount: 0 })).toBe(false);
    expect(ok(RevokeTokenResponse, { tokenId: FIXED_IDS.tokenId, revoked: true })).toBe(false);
    expect(ok(LogoutAllResponse, { userId: FIXED_IDS.userId, revokedCount: 0 })).toBe(true);
    expect(ok(LogoutAllResponse, { userId: FIXED_IDS.userId, revokedCount: -1 })).toBe(false);
  });
});

describe('params', () => {
  it.each(['a.b', '*', '>', '', 'x y', 'x'.repeat(500), 'all'])('TokenIdParam and UserIdParam refuse %j', (id) => {
    expect(ok(TokenIdParam, { tokenId: id })).toBe(false);
    expect(ok(UserIdParam, { userId: id })).toBe(false);
  });

  it('accept UUIDs and IPs', () => {
    expect(ok(TokenIdParam, { tokenId: FIXED_IDS.tokenId })).toBe(true);
    expect(ok(UserIdParam, { userId: FIXED_IDS.userId })).toBe(true);
    expect(ok(ClientIpParam, { clientIp: '203.0.113.7' })).toBe(true);
    expect(ok(ClientIpParam, { clientIp: '::1' })).toBe(true);
    expect(ok(ClientIpParam, { clientIp: '203.0.113' })).toBe(false);
    expect(ok(ClientIpParam, { clientIp: '203.0.113.7', extra: '1' })).toBe(false);
  });
});
