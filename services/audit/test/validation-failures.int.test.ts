import { BruteForceResponse, UNKNOWN_USER_ID, type TokenValidationFailed } from '@tessera/contracts';
import { createValidationFailureReporter, publishJson } from '@tessera/platform';
import { waitFor } from '@tessera/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId, startHarness, type AuditHarness } from './support/harness.js';

let h: AuditHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('refused tokens, from the reporter to brute-force detection', () => {
  it('aggregates a flood into a bounded number of events that the audit projection and the threat query read', async () => {
    const victim = newUserId();
    const bystander = newUserId();
    const reporter = createValidationFailureReporter({
      publish: (event: TokenValidationFailed) => publishJson(h.js, h.topology.tokenEventSubject(event.type, event.userId), event, { msgId: event.id }),
      maxEventsPerWindow: 5,
    });
    for (let i = 0; i < 500; i++) reporter.record({ reason: 'bad_signature', userId: victim, clientIp: '198.51.100.66', userAgent: 'hydra' });
    for (let i = 0; i < 30; i++) reporter.record({ reason: 'expired', userId: victim, clientIp: '198.51.100.67', userAgent: 'hydra' });
    reporter.record({ reason: 'expired', userId: bystander, clientIp: '203.0.113.1', userAgent: 'Firefox' });
    // A spray of forged tokens from many addresses: past the bound, dropped instead of published.
    for (let i = 0; i < 1_000; i++) reporter.record({ reason: 'malformed', clientIp: `10.0.${i >> 8}.${i & 255}`, userAgent: 'spray' });
    await reporter.stop();

    const rows = await waitFor(async () => {
      const { rows } = await sql<{ user_id: string; reason: string; count: number }>`
        select user_id, reason, (data->>'count')::int as count from auth_token_audit order by occurred_at, user_id, reason`.execute(h.database.db);
      return rows.length === 5 ? rows : null;
    }, { what: 'five aggregated events' });
    expect(rows.filter((r) => r.user_id === victim).map((r) => [r.reason, r.count]).sort()).toEqual([
      ['bad_signature', 500],
      ['expired', 30],
    ]);
    expect(rows.filter((r) => r.user_id === UNKNOWN_USER_ID)).toHaveLength(2);

    const token = await h.jwks.mint({ sub: newUserId(), scope: 'ADMIN_TOKENS' });
    const body = BruteForceResponse.parse((await h.get('/api/v1/audit/threats/brute-force', token)).body);
    expect(body.items.map((i) => [i.userId, i.failures, i.distinctIps])).toEqual([[victim, 530, 2]]);
  });
});
