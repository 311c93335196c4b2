import { describe, it, expect } from 'vitest';
import { FIXED_IDS, FIXED_NOW_ISO } from '../testing/fixtures.js';
import {
  AuditEntry,
  AuditQuery,
  AuditRebuildStatus,
  AuditTrailResponse,
  BruteForceQuery,
  BruteForceResponse,
  DailySummaryQuery,
  DailySummaryResponse,
  UnusualUsageQuery,
  UnusualUsageResponse,
} from './audit.js';

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

describe('threat and summary queries', () => {
  it('default to the runbook values: more than 10 failures per hour, more than 5 IPs or agents in 24 h, 7 days', () => {
    expect(BruteForceQuery.parse({})).toEqual({ threshold: 10, windowMinutes: 60, limit: 100 });
    expect(UnusualUsageQuery.parse({})).toEqual({ threshold: 5, windowHours: 24, limit: 100 });
    expect(DailySummaryQuery.parse({})).toEqual({ days: 7 });
    expect(BruteForceQuery.parse({ threshold: '3', windowMinutes: '15', limit: '5' })).toEqual({ threshold: 3, windowMinutes: 15, limit: 5 });
  });

  it.each([
    [BruteForceQuery, { threshold: '0' }],
    [BruteForceQuery, { threshold: 'ten' }],
    [BruteForceQuery, { windowMinutes: '10081' }],
    [BruteForceQuery, { windowMinutes: '1.5' }],
    [BruteForceQuery, { limit: '101' }],
    [BruteForceQuery, { since: 'yesterday' }],
    [UnusualUsageQuery, { windowHours: '169' }],
    [UnusualUsageQuery, { threshold: '-1' }],
    [DailySummaryQuery, { days: '0' }],
    [DailySummaryQuery, { days: '367' }],
    [DailySummaryQuery, { days: ['1', '2'] }],
  ] as const)('rejects %#', (schema, query) => {
    expect(schema.safeParse(query).success).toBe(false);
  });

  it('accepts well-formed responses and rejects unknown reasons', () => {
    const suspect = {
      userId: FIXED_IDS.userId,
      failures: 12,
      distinctIps: 2,
      reasons: { bad_signature: 10, expired: 2 },
      firstSeen: FIXED_NOW_ISO,
      lastSeen: FIXED_NOW_ISO,
    };
    const window = { windowStart: FIXED_NOW_ISO, windowEnd: FIXED_NOW_ISO, threshold: 10 };
    expect(BruteForceResponse.safeParse({ ...window, items: [suspect] }).success).toBe(true);
    expect(BruteForceResponse.safeParse({ ...window, items: [{ ...suspect, reasons: { guessed: 1 } }] }).success).toBe(false);
    expect(
      UnusualUsageResponse.safeParse({
        ...window,
        items: [{ userId: FIXED_IDS.userId, distinctIps: 6, distinctUserAgents: 1, events: 9, firstSeen: FIXED_NOW_ISO, lastSeen: FIXED_NOW_ISO }],
      }).success,
    ).toBe(true);
    const day = { date: '2026-01-15', operations: 3, revocations: 1, logoutAlls: 0, reuseDetections: 0, validationFailures: 7 };
    expect(DailySummaryResponse.safeParse({ days: [day] }).success).toBe(true);
    expect(DailySummaryResponse.safeParse({ days: [{ ...day, date: '2026-01-15T00:00:00Z' }] }).success).toBe(false);
  });

  it('describes a rebuild', () => {
    const idle = { state: 'idle', startedAt: null, finishedAt: null, replayed: 0, targetSequence: 0, rows: null, error: null };
    expect(AuditRebuildStatus.safeParse(idle).success).toBe(true);
    expect(AuditRebuildStatus.safeParse({ ...idle, state: 'paused' }).success).toBe(false);
  });
});
