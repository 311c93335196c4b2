import type { Express, RequestHandler } from 'express';
import { RegisterRequest } from '@tessera/contracts';
import { readBody } from '../body.js';
import { registerUser } from '../../commands/register.js';
import type { TokenApiDeps } from '../../deps.js';
import { principalOf, requireBearer } from '../bearer.js';

/** POST /api/v1/users → 201 UserResponse; 409 conflict when the email is taken. */
export function registerRoute(app: Express, deps: TokenApiDeps): void {
  const guard: RequestHandler[] = deps.config.REGISTRATION_MODE === 'admin' ? [requireBearer(deps, ['ADMIN_USERS'])] : [];
  app.post('/api/v1/users', ...guard, async (req, res) => {
    const body = readBody(RegisterRequest, req);
    const createdBy = deps.config.REGISTRATION_MODE === 'admin' ? principalOf(res).userId : undefined;
    const user = await registerUser(deps, body, 'user', createdBy);
    res.status(201).json(user);
  });
}
