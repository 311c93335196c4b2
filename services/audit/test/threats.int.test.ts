import { BruteForceResponse, DailySummaryResponse, Problem, UNKNOWN_USER_ID, UnusualUsageResponse } from '@tessera/contracts';
import { waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, newUserId, startHarness, type AuditHarness } from './support/harness.js';

let h: AuditHarness;
let adminToken: string;
let userToken: string;
const now = Date.now();
const minutesAgo = (m: number) => new Date(now - m * 60_000);

// Brute force: more than 10 refused tokens in the last hour.
const attacker = newUserId(); // 3 aggregates of 5 from 2 IPs in the last hour: 15
const slowAttacker = newUserId(); // 40 failures, but 2 hours ago, and 4 in the last hour
const borderline = newUserId(); // exactly 10 in the last hour: not more than 10
const normal = newUserId(); // one expired token
// Unusual usage: more than 5 distinct IPs or User-Agents in 24 h.
const traveller = newUserId(); // tokens issued from 7 IPs
const manyAgents = newUserId(); // one IP, 6 User-Agents
const regular = newUserId(); // 20 refreshes from 2 devices
const yesterdayOnly = newUserId(); // 8 IPs, but 30 hours ago

const failure = (userId: string, at: Date, count: number, clientIp = '198.51.100.7', reason: 'bad_signature' | 'expired' = 'bad_signature') =>
  makeEvent('TokenValidationFailed', userId, { occurredAt: at, data: { count, clientIp, reason } });
const issued = (userId: string, at: Date, clientIp: string, userAgent: string) => makeEvent('TokenIssued', userId, { occurredAt: at, data: { clientIp, userAgent } });

const DAY = 86_400_000;
const today = Math.floor(now / DAY) * DAY;

beforeAll(async () => {
  h = await startHarness();
  adminToken = await h.jwks.mint({ sub: newUserId(), scope: 'ADMIN_TOKENS' });
  userToken = await h.jwks.mint({ sub: newUserId(), scope: 'READ_TOKENS ADMIN_SYSTEM' });
  const events = [
    failure(attacker, minutesAgo(50), 5),
    failure(attacker, minutesAgo(30), 5, '198.51.100.8'),
    failure(attacker, minutesAgo(10), 5, '198.51.100.8', 'expired'),
    failure(slowAttacker, minutesAgo(120), 40),
    failure(slowAttacker, minutesAgo(20), 4),
    failure(borderline, minutesAgo(40), 6),
    failure(borderline, minutesAgo(5), 4),
    failure(normal, minutesAgo(15), 1, '203.0.113.9', 'expired'),
    // Forged tokens naming no user: nobody's account, never a suspect.
    failure(UNKNOWN_USER_ID, minutesAgo(5), 900),
    ...Array.from({ length: 7 }, (_, i) => issued(traveller, minutesAgo(60 * i + 5), `192.0.2.${i + 1}`, 'Firefox')),
    ...Array.from({ length: 6 }, (_, i) => issued(manyAgents, minutesAgo(30 * i + 5), '192.0.2.50', `agent-${i}`)),
    ...Array.from({ length: 20 }, (_, i) => issued(regular, minutesAgo(30 * i + 5), i % 2 ? '192.0.2.60' : '192.0.2.61', i % 2 ? 'phone' : 'laptop')),
    ...Array.from({ length: 8 }, (_, i) => issued(yesterdayOnly, minutesAgo(30 * 60 + i), `192.0.2.${100 + i}`, 'Chrome')),
    // Revocations, logout-alls and reuse detections on chosen days, for the daily summary.
    makeEvent('TokenRevoked', regular, { occurredAt: new Date(today + 1_000) }),
    makeEvent('TokenRevoked', regular, { occurredAt: new Date(today - DAY + 1_000) }),
    makeEvent('LogoutAll', regular, { occurredAt: new Date(today - 2 * DAY + 1_000) }),
    makeEvent('TokenReuseDetected', regular, { occurredAt: new Date(today - 2 * DAY + 2_000) }),
    makeEvent('TokenRevoked', regular, { occurredAt: new Date(today - 9 * DAY) }),
  ];
  for (const event of events) await h.publish(event);
  await waitFor(async () => (await h.rowCount()) === events.length, { what: 'seeded rows' });
});
afterAll(async () => {
  await h?.close();
});

describe('GET /api/v1/audit/threats/brute-force', () => {
  it('finds the users with more than 10 failures in the last hour, and no one else', async () => {
    const res = await h.get('/api/v1/audit/threats/brute-force', adminToken);
    expect(res.status).toBe(200);
    const body = BruteForceResponse.parse(res.body);
    expect(body.threshold).toBe(10);
    expect(Date.parse(body.windowEnd) - Date.parse(body.windowStart)).toBe(3_600_000);
    expect(body.items).toEqual([
      {
        userId: attacker,
        failures: 15,
        distinctIps: 2,
        reasons: { bad_signature: 10, expired: 5 },
        firstSeen: minutesAgo(50).toISOString(),
        lastSeen: minutesAgo(10).toISOString(),
      },
    ]);
  });

  it('follows threshold and window', async () => {
    const wide = BruteForceResponse.parse((await h.get('/api/v1/audit/threats/brute-force?windowMinutes=180', adminToken)).body);
    expect(wide.items.map((i) => [i.userId, i.failures])).toEqual([
      [slowAttacker, 44],
      [attacker, 15],
    ]);
    const low = BruteForceResponse.parse((await h.get('/api/v1/audit/threats/brute-force?threshold=3&limit=2', adminToken)).body);
    expect(low.items.map((i) => i.userId)).toEqual([attacker, borderline]);
  });
});

describe('GET /api/v1/audit/threats/unusual-usage', () => {
  it('finds users seen from more than 5 IPs or User-Agents in 24 h, and not the regular ones', async () => {
    const res = await h.get('/api/v1/audit/threats/unusual-usage', adminToken);
    expect(res.status).toBe(200);
    const body = UnusualUsageResponse.parse(res.body);
    expect(body.threshold).toBe(5);
    expect(body.items.map((i) => [i.userId, i.distinctIps, i.distinctUserAgents, i.events])).toEqual([
      [traveller, 7, 1, 7],
      [manyAgents, 1, 6, 6],
    ]);
  });

  it('follows the window and the threshold', async () => {
    const week = UnusualUsageResponse.parse((await h.get('/api/v1/audit/threats/unusual-usage?windowHours=48', adminToken)).body);
    expect(week.items.map((i) => i.userId)).toEqual([yesterdayOnly, traveller, manyAgents]);
    const strict = UnusualUsageResponse.parse((await h.get('/api/v1/audit/threats/unusual-usage?threshold=6', adminToken)).body);
    expect(strict.items.map((i) => i.userId)).toEqual([traveller]);
  });
});

describe('GET /api/v1/audit/summary/daily', () => {
  it('counts per UTC day, oldest first, zeros included', async () => {
    const res = await h.get('/api/v1/audit/summary/daily', adminToken);
    expect(res.status).toBe(200);
    const { days } = DailySummaryResponse.parse(res.body);
    expect(days).toHaveLength(7);
    expect(days.at(-1)!.date).toBe(new Date(today).toISOString().slice(0, 10));
    expect(days[0]!.date).toBe(new Date(today - 6 * DAY).toISOString().slice(0, 10));
    const total = (key: 'operations' | 'revocations' | 'logoutAlls' | 'reuseDetections' | 'validationFailures') => days.reduce((n, d) => n + d[key], 0);
    expect(total('revocations')).toBe(2);
    expect(total('logoutAlls')).toBe(1);
    expect(total('reuseDetections')).toBe(1);
    // Every failure seeded happened within the last 2 hours (today or, just after midnight, yesterday).
    expect(total('validationFailures')).toBe(15 + 44 + 10 + 1 + 900);
    expect(days.at(-1)!.revocations).toBe(1);
    expect(days.at(-3)!).toMatchObject({ logoutAlls: 1, reuseDetections: 1 });
    // Operations: lifecycle events, every seeded event but the failures and the one 9 days ago.
    expect(total('operations')).toBe(7 + 6 + 20 + 8 + 4);
    const month = DailySummaryResponse.parse((await h.get('/api/v1/audit/summary/daily?days=10', adminToken)).body);
    expect(month.days.reduce((n, d) => n + d.revocations, 0)).toBe(3);
  });
});

describe('admin endpoints', () => {
  it.each(['/api/v1/audit/threats/brute-force', '/api/v1/audit/threats/unusual-usage', '/api/v1/audit/summary/daily'])(
    '%s needs ADMIN_TOKENS: 401 without a token, 403 without the scope',
    async (path) => {
      expect((await h.get(path)).status).toBe(401);
      const res = await h.get(path, userToken);
      expect(res.status).toBe(403);
      expect(Problem.parse(res.body).code).toBe('insufficient_scope');
      expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
    },
  );

  it.each([
    '/api/v1/audit/threats/brute-force?threshold=0',
    '/api/v1/audit/threats/brute-force?threshold=abc',
    '/api/v1/audit/threats/brute-force?windowMinutes=99999',
    '/api/v1/audit/threats/brute-force?window=1h',
    '/api/v1/audit/threats/unusual-usage?windowHours=0',
    '/api/v1/audit/threats/unusual-usage?threshold=5x',
    '/api/v1/audit/threats/unusual-usage?limit=1000',
    '/api/v1/audit/summary/daily?days=0',
    '/api/v1/audit/summary/daily?days=400',
    '/api/v1/audit/summary/daily?days=7&days=8',
  ])('answers %s with a 400 problem', async (path) => {
    const res = await h.get(path, adminToken);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Problem.parse(res.body)).toMatchObject({ status: 400, code: 'validation_failed' });
  });
});
