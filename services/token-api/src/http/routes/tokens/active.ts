import type { Express } from 'express';
import { PageQuery, Uuid } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';
import { activeTokens } from '../../../queries/tokens.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { auditAdminRead, pageOf, targetUserOf, TOKEN_READERS } from './access.js';

const ActiveQuery = PageQuery.extend({ userId: Uuid.optional() });

/** GET /api/v1/auth/tokens/active?limit&cursor[&userId] → ActiveTokensResponse, newest first. */
export function activeTokensRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/api/v1/auth/tokens/active', requireBearer(deps, TOKEN_READERS), async (req, res) => {
    const principal = principalOf(res);
    const { query, page } = pageOf(ActiveQuery, req, 'active');
    const userId = targetUserOf(principal, query.userId);
    auditAdminRead(deps.logger, principal, 'active_tokens', { user_id: userId });
    const own = userId === principal.userId;
    res.json(
      await activeTokens(deps.db, userId, page, deps.clock(), {
        ...(own ? { current: { tokenId: principal.tokenId, familyId: principal.familyId } } : {}),
        pendingUse: (id) => deps.verification.lastUsed.peek(id),
      }),
    );
  });
}
