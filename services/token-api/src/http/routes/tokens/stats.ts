import type { Express } from 'express';
import { Uuid } from '@tessera/contracts';
import { parseQuery } from '@tessera/platform';
import { z } from 'zod';
import type { TokenApiDeps } from '../../../deps.js';
import { isTokenAdmin } from '../../../domain/token-access.js';
import { tokenStats } from '../../../queries/tokens.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { auditAdminRead, targetUserOf, TOKEN_READERS } from './access.js';

const StatsQuery = z.strictObject({ userId: Uuid.optional() });

/** GET /api/v1/auth/tokens/stats[?userId] → TokenStats: the caller's, a user's, or (admin, no userId) everyone's. */
export function tokenStatsRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/api/v1/auth/tokens/stats', requireBearer(deps, TOKEN_READERS), async (req, res) => {
    const principal = principalOf(res);
    const query = parseQuery(StatsQuery, req);
    const userId = query.userId === undefined && isTokenAdmin(principal) ? null : targetUserOf(principal, query.userId);
    auditAdminRead(deps.logger, principal, 'token_stats', { user_id: userId ?? 'all' });
    res.json(await tokenStats(deps.db, userId, deps.clock()));
  });
}
