import type { Express } from 'express';
import { TotpEnrollRequest } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';
import { startTotpEnrollment } from '../../../mfa/commands/enroll.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { readBody } from '../../body.js';
import { noStore } from '../no-store.js';

/** POST /api/v1/auth/mfa/totp (bearer) {password} → 200 key URI, QR code, secret; 401, 409 when already on. */
export function enrollTotpRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/mfa/totp', requireBearer(deps), async (req, res) => {
    const body = readBody(TotpEnrollRequest, req);
    noStore(res).json(await startTotpEnrollment(deps, principalOf(res), body));
  });
}
