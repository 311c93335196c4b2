import type { Express } from 'express';
import { TotpConfirmRequest } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';
import { confirmTotp } from '../../../mfa/commands/confirm.js';
import { clientCountry } from '../../../mfa/country.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { readBody } from '../../body.js';
import { clientContext } from '../../client.js';
import { noStore } from '../no-store.js';

/** POST /api/v1/auth/mfa/totp/confirm (bearer) {code} → 200 with the 10 recovery codes (shown once); 401 invalid_mfa_code; 409. */
export function confirmTotpRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/mfa/totp/confirm', requireBearer(deps), async (req, res) => {
    const body = readBody(TotpConfirmRequest, req);
    noStore(res).json(await confirmTotp(deps, principalOf(res), body, clientContext(req), clientCountry(req, deps.config.GEO_COUNTRY_HEADER)));
  });
}
