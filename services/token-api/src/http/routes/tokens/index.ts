import type { Express } from 'express';
import type { TokenApiDeps } from '../../../deps.js';
import { activeTokensRoute } from './active.js';
import { tokenDetailsRoute } from './details.js';
import { tokensByIpRoute } from './device.js';
import { logoutAllRoute } from './logout-all.js';
import { revokeTokenRoute } from './revoke.js';
import { tokenStatsRoute } from './stats.js';

/**
 * The token-management endpoints of DESIGN §5 (1–5 and 7; #6, the audit trail, is served by the
 * audit service: the edge routes /api/v1/auth/tokens/audit there). Literal paths before `:tokenId`.
 */
export function mountTokenRoutes(app: Express, deps: TokenApiDeps): void {
  activeTokensRoute(app, deps);
  tokenStatsRoute(app, deps);
  tokensByIpRoute(app, deps);
  logoutAllRoute(app, deps);
  tokenDetailsRoute(app, deps);
  revokeTokenRoute(app, deps);
}
