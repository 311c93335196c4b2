import { UnusualUsageQuery } from '@tessera/contracts';
import { parseQuery } from '@tessera/platform';
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { AuditDatabase } from '../db.js';
import { findUnusualUsage } from '../queries/threats.js';

/** GET /api/v1/audit/threats/unusual-usage (ADMIN_TOKENS). */
export function getUnusualUsage(db: Kysely<AuditDatabase>, now: () => number): RequestHandler {
  return async (req, res) => {
    const query = parseQuery(UnusualUsageQuery, req);
    res.json(await findUnusualUsage(db, { ...query, now: now() }));
  };
}
