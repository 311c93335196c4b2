import { describe, it, expect } from 'vitest';
import { FIXED_IDS, FIXED_NOW_ISO } from '../testing/fixtures.js';
import { AuditEntry, AuditQuery, AuditTrailResponse } from './audit.js';

const entry = {
  eventId: FIXED_IDS.eventId,
  action: 'TokenRevoked',
  userId: FIXED_IDS.userId,
  tokenId: FIXED_IDS.tokenId,
  actor: { kind: 'admin', id: FIXED_IDS.otherUserId },
  clientIp: '203.0.113.7',
  userAgent: 'curl/8.5.0',
  details: { reason: 'compromised', tokenType: 'ACCESS' },
  occurredAt: FIXED_NOW_ISO,
};

describe('AuditQuery', () => {
  it('accepts paging, an action and a time range', () => {
    expect(AuditQuery.parse({ action: 'LogoutAll', from: '2026-01-01T00:00:00Z', to: '2026-01-31T00:00:00.000Z' })).toEqual({
      limit: 20,
      action: 'LogoutAll',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-31T00:00:00.000Z',
    });
  });

  it.each([
    { action: 'revoked' },
    { from: 'yesterday' },
    { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    { limit: '500' },
    { userId: FIXED_IDS.userId },
  ])('rejects %j', (query) => {
    expect(AuditQuery.safeParse(query).success).toBe(false);
  });
});

describe('AuditEntry', () => {
  it('accepts a row and a page of rows', () => {
    expect(AuditEntry.safeParse(entry).success).toBe(true);
    expect(AuditEntry.safeParse({ ...entry, tokenId: null, clientIp: null, userAgent: null }).success).toBe(true);
    expect(AuditTrailResponse.safeParse({ items: [entry], nextCursor: 'abc' }).success).toBe(true);
  });

  it.each([{ eventId: FIXED_IDS.userId }, { action: 'Hacked' }, { actor: { kind: 'admin' } }, { occurredAt: null }, { extra: 1 }])(
    'rejects %j',
    (patch) => {
      expect(AuditEntry.safeParse({ ...entry, ...patch }).success).toBe(false);
    },
  );
});
