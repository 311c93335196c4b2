import type { Express } from 'express';
import { TotpDisableRequest } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';
import { disableTotp } from '../../../mfa/commands/disable.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { readBody } from '../../body.js';
import { clientContext } from '../../client.js';

/** DELETE /api/v1/auth/mfa/totp (bearer) {password, code} → 204; 401 invalid_credentials / invalid_mfa_code; 409; 429. */
export function disableTotpRoute(app: Express, deps: TokenApiDeps): void {
  app.delete('/api/v1/auth/mfa/totp', requireBearer(deps), async (req, res) => {
    const body = readBody(TotpDisableRequest, req);
    await disableTotp(deps, principalOf(res), body, clientContext(req));
    res.status(204).end();
  });
}
