import type { Express } from 'express';
import { PasswordChangeRequest } from '@tessera/contracts';
import { readBody } from '../body.js';
import { changePassword } from '../../commands/change-password.js';
import type { TokenApiDeps } from '../../deps.js';
import { principalOf, requireBearer } from '../bearer.js';

/** POST /api/v1/auth/password (bearer) → 204; every token issued before the change stops working. */
export function passwordRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/password', requireBearer(deps), async (req, res) => {
    const body = readBody(PasswordChangeRequest, req);
    await changePassword(deps, principalOf(res), body);
    res.status(204).end();
  });
}
