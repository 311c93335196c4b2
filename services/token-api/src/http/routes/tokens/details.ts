import type { Express } from 'express';
import { TokenIdParam } from '@tessera/contracts';
import { parseParams } from '@tessera/platform';
import type { TokenApiDeps } from '../../../deps.js';
import { mayReach } from '../../../domain/token-access.js';
import { findToken, tokenDetails } from '../../../queries/tokens.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { auditAdminRead, noSuchToken, TOKEN_READERS } from './access.js';

/** GET /api/v1/auth/tokens/{tokenId}/details → TokenDetails; another user's token is a 404. */
export function tokenDetailsRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/api/v1/auth/tokens/:tokenId/details', requireBearer(deps, TOKEN_READERS), async (req, res) => {
    const principal = principalOf(res);
    const { tokenId } = parseParams(TokenIdParam, req);
    const row = await findToken(deps.db, tokenId);
    if (!row || !mayReach(principal, row.user_id)) throw noSuchToken();
    auditAdminRead(deps.logger, principal, 'token_details', { user_id: row.user_id, token_id: tokenId });
    res.json(tokenDetails(row, deps.clock(), (id) => deps.verification.lastUsed.peek(id)));
  });
}
