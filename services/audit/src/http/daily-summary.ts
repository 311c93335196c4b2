import { DailySummaryQuery } from '@tessera/contracts';
import { parseQuery } from '@tessera/platform';
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { AuditDatabase } from '../db.js';
import { readDailySummary } from '../queries/daily-summary.js';

/** GET /api/v1/audit/summary/daily?days=7 (ADMIN_TOKENS). */
export function getDailySummary(db: Kysely<AuditDatabase>, now: () => number): RequestHandler {
  return async (req, res) => {
    const query = parseQuery(DailySummaryQuery, req);
    res.json(await readDailySummary(db, { days: query.days, now: now() }));
  };
}
