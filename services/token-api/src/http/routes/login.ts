import type { Express } from 'express';
import { LoginRequest } from '@tessera/contracts';
import { readBody } from '../body.js';
import { login } from '../../commands/login.js';
import type { TokenApiDeps } from '../../deps.js';
import { clientContext } from '../client.js';
import { clientCountry } from '../../mfa/country.js';
import { noStore } from './no-store.js';

/** An explicit empty list is refused at the boundary, before any password is checked. */
const LoginBody = LoginRequest.refine((body) => body.scopes === undefined || body.scopes.length > 0, { path: ['scopes'], message: 'must name at least one scope' });

/** POST /api/v1/auth/login → 200 token pair; 401 invalid_credentials / mfa_required (+ mfa_ticket); 429 account_locked / rate_limited. */
export function loginRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/login', async (req, res) => {
    const body = readBody(LoginBody, req);
    noStore(res).json(await login(deps, body, clientContext(req), clientCountry(req, deps.config.GEO_COUNTRY_HEADER)));
  });
}
