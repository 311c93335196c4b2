import type { Express } from 'express';
import { z } from 'zod';
import type { TokenApiDeps } from '../../../deps.js';
import { regenerateRecoveryCodes } from '../../../mfa/commands/recovery-codes.js';
import { requireRecentOtp } from '../../../mfa/recent-otp.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { readBody } from '../../body.js';
import { noStore } from '../no-store.js';

const RegenerateRequest = z.strictObject({});

/** POST /api/v1/auth/mfa/recovery-codes (bearer, recent otp) → 200 {recoveryCodes}; 401 insufficient_user_authentication; 409. */
export function recoveryCodesRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/mfa/recovery-codes', requireBearer(deps), requireRecentOtp(deps), async (req, res) => {
    readBody(RegenerateRequest, req);
    noStore(res).json(await regenerateRecoveryCodes(deps, principalOf(res)));
  });
}
