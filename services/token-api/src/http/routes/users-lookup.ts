import type { Express } from 'express';
import { UserIdParam, UserLookupQuery, type UserListResponse } from '@tessera/contracts';
import { logSecurityEvent, notFound, parseParams, parseQuery } from '@tessera/platform';
import { toUserResponse } from '../../commands/register.js';
import type { TokenApiDeps } from '../../deps.js';
import { findUserByEmail, findUserById } from '../../repo/users.js';
import { principalOf, requireBearer } from '../bearer.js';

const ADMIN_LOOKUP = { anyOf: ['ADMIN_USERS', 'ADMIN_TOKENS'] } as const;

/**
 * Admin look-ups for the account page: GET /api/v1/users?email= → UserListResponse (zero or one
 * item, exact match on the normalised email) and GET /api/v1/users/{userId} → UserResponse.
 */
export function userLookupRoutes(app: Express, deps: TokenApiDeps): void {
  app.get('/api/v1/users', requireBearer(deps, ADMIN_LOOKUP), async (req, res) => {
    const { email } = parseQuery(UserLookupQuery, req);
    const row = await findUserByEmail(deps.db, email);
    logSecurityEvent(deps.logger, 'admin_read', { actor_id: principalOf(res).userId, what: 'user_by_email', found: row !== undefined, ...(row ? { user_id: row.id } : {}) });
    const body: UserListResponse = { items: row ? [toUserResponse(row)] : [], nextCursor: null };
    res.json(body);
  });

  app.get('/api/v1/users/:userId', requireBearer(deps, ADMIN_LOOKUP), async (req, res) => {
    const { userId } = parseParams(UserIdParam, req);
    const row = await findUserById(deps.db, userId);
    logSecurityEvent(deps.logger, 'admin_read', { actor_id: principalOf(res).userId, what: 'user_by_id', user_id: userId, found: row !== undefined });
    if (!row) throw notFound('No such user');
    res.json(toUserResponse(row));
  });
}
