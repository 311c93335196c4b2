import type { Express } from 'express';
import type { TokenApiDeps } from '../../../deps.js';
import { mfaStatus } from '../../../mfa/commands/status.js';
import { principalOf, requireBearer } from '../../bearer.js';

/** GET /api/v1/auth/mfa (bearer) → 200 {totp: disabled|pending|enabled, enabledAt, recoveryCodesRemaining}. */
export function mfaStatusRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/api/v1/auth/mfa', requireBearer(deps), async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await mfaStatus(deps, principalOf(res)));
  });
}
