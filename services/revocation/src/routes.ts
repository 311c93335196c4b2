// Blacklist maintenance (DESIGN §5), admin only: a bearer access token with ADMIN_TOKENS or
// ADMIN_SYSTEM, checked in-process by @tessera/verifier against token-api's JWKS.
import type { BlacklistCleanupResponse, BlacklistSizeResponse } from '@tessera/contracts';
import { serviceUnavailable, logSecurityEvent, type Logger } from '@tessera/platform';
import { createRequireToken, type AuthenticatedRequest, type RevocationMirror, type Verifier } from '@tessera/verifier';
import type { Express, Request } from 'express';

export interface BlacklistRoutesDeps {
  verifier: Verifier;
  mirror: RevocationMirror;
  cleanup: () => Promise<number>;
  logger: Logger;
}

export function blacklistRoutes({ verifier, mirror, cleanup, logger }: BlacklistRoutesDeps): (app: Express) => void {
  const requireToken = createRequireToken(verifier, {
    onRefused: (req, result) =>
      logSecurityEvent(logger, 'admin_token_refused', { path: (req as Request).path, reason: result.reason, ...(result.ok === false && 'claims' in result && result.claims ? { user_id: result.claims.sub } : {}) }),
  });
  const admin = requireToken({ anyScope: ['ADMIN_TOKENS', 'ADMIN_SYSTEM'] });

  return (app) => {
    app.get('/api/v1/auth/tokens/blacklist/size', admin, (_req, res) => {
      if (!mirror.status().loaded) throw serviceUnavailable('The revocation list is still loading');
      const { tokens, sessions, users } = mirror.size();
      const body: BlacklistSizeResponse = { revokedTokens: tokens, revokedSessions: sessions, userCutoffs: users, total: tokens + sessions + users };
      res.json(body);
    });

    app.post('/api/v1/auth/tokens/blacklist/cleanup', admin, async (req, res) => {
      if (!mirror.isCurrent()) throw serviceUnavailable('The revocation list is not current; try again shortly');
      const removed = await cleanup();
      logSecurityEvent(logger, 'blacklist_cleanup', { removed, actor_id: (req as unknown as AuthenticatedRequest).auth.claims.sub });
      const body: BlacklistCleanupResponse = { removed };
      res.json(body);
    });
  };
}
