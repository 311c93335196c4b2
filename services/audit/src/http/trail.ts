import { AuditQuery, UserIdParam } from '@tessera/contracts';
import { notFound, parseParams, parseQuery } from '@tessera/platform';
import type { RequestHandler } from 'express';
import type { Kysely } from 'kysely';
import { principalOf } from '../auth.js';
import type { AuditDatabase } from '../db.js';
import { decodeCursor } from '../queries/cursor.js';
import { readTrail } from '../queries/trail.js';

/**
 * GET /api/v1/auth/tokens/audit/{userId}: the caller's own trail, or anyone's with ADMIN_TOKENS.
 * Anyone else gets the 404 an unknown user would get, so the answer never tells whether the
 * user exists (for admins an unknown user is an empty trail: the projection knows no users).
 */
export function getAuditTrail(db: Kysely<AuditDatabase>): RequestHandler {
  return async (req, res) => {
    const principal = principalOf(req);
    const { userId } = parseParams(UserIdParam, req);
    const query = parseQuery(AuditQuery, req);
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    const target = userId.toLowerCase();
    if (target !== principal.userId && !principal.scopes.includes('ADMIN_TOKENS')) throw notFound();
    res.json(
      await readTrail(db, {
        userId: target,
        limit: query.limit,
        ...(query.action !== undefined ? { action: query.action } : {}),
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
        ...(after !== undefined ? { after } : {}),
      }),
    );
  };
}
