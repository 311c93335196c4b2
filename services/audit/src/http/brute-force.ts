import { BruteForceQuery } from '@tessera/contracts';
import { parseQuery } from '@tessera/platform';
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import type { AuditDatabase } from '../db.js';
import { findBruteForce } from '../queries/threats.js';

/** GET /api/v1/audit/threats/brute-force (ADMIN_TOKENS). */
export function getBruteForce(db: Kysely<AuditDatabase>, now: () => number): RequestHandler {
  return async (req, res) => {
    const query = parseQuery(BruteForceQuery, req);
    res.json(await findBruteForce(db, { ...query, now: now() }));
  };
}
