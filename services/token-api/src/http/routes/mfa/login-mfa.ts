import type { Express } from 'express';
import { MfaLoginRequest } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';
import { completeMfaLogin } from '../../../mfa/commands/complete-login.js';
import { clientCountry } from '../../../mfa/country.js';
import { readBody } from '../../body.js';
import { clientContext } from '../../client.js';
import { noStore } from '../no-store.js';

/** POST /api/v1/auth/login/mfa {mfa_ticket, code} → 200 token pair; 401 invalid_token / invalid_mfa_code; 429. */
export function loginMfaRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/login/mfa', async (req, res) => {
    const body = readBody(MfaLoginRequest, req);
    noStore(res).json(await completeMfaLogin(deps, body, clientContext(req), clientCountry(req, deps.config.GEO_COUNTRY_HEADER)));
  });
}
