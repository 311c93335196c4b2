import { waitFor } from '@tessera/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, newUserId, startHarness, type AuditHarness } from './support/harness.js';

let h: AuditHarness;
const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness({ AUDIT_RETENTION_DAYS: '30', AUDIT_RETENTION_INTERVAL_MS: '1000', AUDIT_RETENTION_BATCH_SIZE: '7' });
});
afterAll(async () => {
  await h?.close();
});

async function purgedMetric(): Promise<number> {
  const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('audit_rows_purged_total'));
  return Number(line?.split(' ').at(-1));
}

describe('retention', () => {
  it('purges rows older than AUDIT_RETENTION_DAYS in batches and keeps the rest', async () => {
    const userId = newUserId();
    const old = Array.from({ length: 50 }, (_, i) => makeEvent('TokenIssued', userId, { occurredAt: new Date(Date.now() - 31 * DAY - i * 60_000) }));
    const recent = Array.from({ length: 10 }, (_, i) => makeEvent('TokenIssued', userId, { occurredAt: new Date(Date.now() - 29 * DAY + i * 60_000) }));
    for (const event of [...old, ...recent]) await h.publish(event);

    await waitFor(async () => (await purgedMetric()) >= old.length, { what: 'old rows purged', timeoutMs: 20_000 });
    await waitFor(async () => (await h.rowCount()) === recent.length, { what: 'only recent rows left' });
    const { rows: left } = await sql<{ event_id: string }>`select event_id from auth_token_audit order by occurred_at`.execute(h.database.db);
    expect(left.map((r) => r.event_id)).toEqual(recent.map((e) => e.id));
    // 50 rows in batches of 7: several statements, each row purged once.
    expect(await purgedMetric()).toBe(old.length);
  });
});
