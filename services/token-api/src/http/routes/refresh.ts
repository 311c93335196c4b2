import type { Express } from 'express';
import { RefreshRequest } from '@tessera/contracts';
import { readBody } from '../body.js';
import { refresh } from '../../commands/refresh.js';
import type { TokenApiDeps } from '../../deps.js';
import { clientContext } from '../client.js';
import { noStore } from './no-store.js';

/** POST /api/v1/auth/refresh → 200 new pair; 401 invalid_token for any unusable token. */
export function refreshRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/refresh', async (req, res) => {
    const body = readBody(RefreshRequest, req);
    noStore(res).json(await refresh(deps, body.refresh_token, clientContext(req)));
  });
}
