import type { Express } from 'express';
import type { RotateDeps } from '../../commands/rotate-keys.js';
import type { TokenApiDeps } from '../../deps.js';
import { jwksRoute } from './jwks.js';
import { loginRoute } from './login.js';
import { mountMfaRoutes } from './mfa/index.js';
import { logoutRoute } from './logout.js';
import { passwordRoute } from './password.js';
import { refreshRoute } from './refresh.js';
import { registerRoute } from './register.js';
import { rotateKeysRoute } from './rotate-keys.js';
import { mountTokenRoutes } from './tokens/index.js';
import { userLookupRoutes } from './users-lookup.js';

export function mountRoutes(app: Express, deps: TokenApiDeps, rotation: Omit<RotateDeps, keyof TokenApiDeps> | null): void {
  registerRoute(app, deps);
  loginRoute(app, deps);
  mountMfaRoutes(app, deps);
  refreshRoute(app, deps);
  logoutRoute(app, deps);
  passwordRoute(app, deps);
  jwksRoute(app, deps);
  rotateKeysRoute(app, deps, rotation);
  mountTokenRoutes(app, deps);
  userLookupRoutes(app, deps);
}
