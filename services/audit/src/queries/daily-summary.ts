import type { DailySummaryDay, DailySummaryResponse } from '@tessera/contracts';
import { sql, type Kysely } from 'kysely';
import type { AuditDatabase } from '../db.js';

const DAY_MS = 86_400_000;

/** The last `days` UTC days ending today, oldest first, days without events as zeros. */
export async function readDailySummary(db: Kysely<AuditDatabase>, request: { days: number; now: number }): Promise<DailySummaryResponse> {
  const today = Math.floor(request.now / DAY_MS) * DAY_MS;
  const start = new Date(today - (request.days - 1) * DAY_MS);
  const end = new Date(today + DAY_MS);
  const { rows } = await sql<Omit<DailySummaryDay, 'date'> & { day: string }>`
    select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') as day,
           count(*) filter (where action <> 'TokenValidationFailed')::bigint as operations,
           count(*) filter (where action = 'TokenRevoked')::bigint as revocations,
           count(*) filter (where action = 'LogoutAll')::bigint as "logoutAlls",
           count(*) filter (where action = 'TokenReuseDetected')::bigint as "reuseDetections",
           coalesce(sum((data->>'count')::bigint) filter (where action = 'TokenValidationFailed'), 0)::bigint as "validationFailures"
    from auth_token_audit
    where occurred_at >= ${start} and occurred_at < ${end}
    group by 1`.execute(db);
  const byDay = new Map(rows.map(({ day, ...counts }) => [day, counts]));
  const days: DailySummaryDay[] = [];
  for (let at = start.getTime(); at < end.getTime(); at += DAY_MS) {
    const date = new Date(at).toISOString().slice(0, 10);
    days.push({ date, operations: 0, revocations: 0, logoutAlls: 0, reuseDetections: 0, validationFailures: 0, ...byDay.get(date) });
  }
  return { days };
}
