import type { Express } from 'express';
import { LoginRequest } from '@tessera/contracts';
import { parseBody } from '@tessera/platform';
import { login } from '../../commands/login.js';
import type { TokenApiDeps } from '../../deps.js';
import { clientContext } from '../client.js';
import { noStore } from './no-store.js';

/** POST /api/v1/auth/login → 200 token pair; 401 invalid_credentials; 429 account_locked / rate_limited. */
export function loginRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/login', async (req, res) => {
    const body = parseBody(LoginRequest, req);
    noStore(res).json(await login(deps, body, clientContext(req)));
  });
}
