import type { Express } from 'express';
import { readBody } from '../body.js';
import { z } from 'zod';
import { logout } from '../../commands/logout.js';
import type { TokenApiDeps } from '../../deps.js';
import { principalOf, requireBearer } from '../bearer.js';

const LogoutRequest = z.strictObject({});

/** POST /api/v1/auth/logout (bearer, no body) → 204; the caller's session ends. */
export function logoutRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/logout', requireBearer(deps), async (req, res) => {
    readBody(LogoutRequest, req);
    await logout(deps, principalOf(res));
    res.status(204).end();
  });
}
