import type { Express } from 'express';
import { UserIdParam, type LogoutAllResponse } from '@tessera/contracts';
import { notFound, parseParams } from '@tessera/platform';
import { logoutAll } from '../../../commands/logout-all.js';
import type { TokenApiDeps } from '../../../deps.js';
import { actorFor, mayReach } from '../../../domain/token-access.js';
import { assertAdminStepUp } from '../../../mfa/admin-step-up.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { TOKEN_READERS } from './access.js';
import { revocationReason } from './revoke.js';

/**
 * DELETE /api/v1/auth/tokens/all/{userId} `{reason?}` → 200 LogoutAllResponse (every device signed
 * out). An admin acting on another user may need a recent second factor (MFA_ADMIN_STEP_UP): 401
 * insufficient_user_authentication, answered by POST /api/v1/auth/mfa/step-up.
 */
export function logoutAllRoute(app: Express, deps: TokenApiDeps): void {
  app.delete('/api/v1/auth/tokens/all/:userId', requireBearer(deps, TOKEN_READERS), async (req, res) => {
    const principal = principalOf(res);
    const { userId } = parseParams(UserIdParam, req);
    const reason = revocationReason(req);
    if (!mayReach(principal, userId)) throw notFound('No such user');
    const actor = actorFor(principal, userId);
    if (actor.kind === 'admin') await assertAdminStepUp(deps, req, res, principal);
    const result = await logoutAll(deps, { userId, reason: reason ?? (actor.kind === 'admin' ? 'logout all by admin' : 'logout all'), actor });
    if (!result.found) throw notFound('No such user');
    const body: LogoutAllResponse = { userId, revokedCount: result.revokedCount };
    res.json(body);
  });
}
