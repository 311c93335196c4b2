import type { Express } from 'express';
import { UserIdParam, type LogoutAllResponse } from '@tessera/contracts';
import { notFound, parseParams } from '@tessera/platform';
import { logoutAll } from '../../../commands/logout-all.js';
import type { TokenApiDeps } from '../../../deps.js';
import { actorFor, mayReach } from '../../../domain/token-access.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { TOKEN_READERS } from './access.js';
import { revocationReason } from './revoke.js';

/** DELETE /api/v1/auth/tokens/all/{userId} `{reason?}` → 200 LogoutAllResponse (every device signed out). */
export function logoutAllRoute(app: Express, deps: TokenApiDeps): void {
  app.delete('/api/v1/auth/tokens/all/:userId', requireBearer(deps, TOKEN_READERS), async (req, res) => {
    const principal = principalOf(res);
    const { userId } = parseParams(UserIdParam, req);
    const reason = revocationReason(req);
    if (!mayReach(principal, userId)) throw notFound('No such user');
    const actor = actorFor(principal, userId);
    const result = await logoutAll(deps, { userId, reason: reason ?? (actor.kind === 'admin' ? 'logout all by admin' : 'logout all'), actor });
    if (!result.found) throw notFound('No such user');
    const body: LogoutAllResponse = { userId, revokedCount: result.revokedCount };
    res.json(body);
  });
}
