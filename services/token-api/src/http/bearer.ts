import type { RequestHandler, Response } from 'express';
import { AccessTokenString, uuidV7Timestamp, type Scope } from '@tessera/contracts';
import { AppError } from '@tessera/platform';
import type { TokenApiDeps } from '../deps.js';
import type { Principal } from '../commands/principal.js';
import { accessTokenStanding } from '../repo/tokens.js';
import { constantTimeEqual } from '../secrets/tokens.js';
import { AccessTokenError, verifyAccessToken } from '../signing/access-token.js';
import { clientContext } from './client.js';

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

const invalidToken = () =>
  new AppError(401, 'invalid_token', 'Missing, invalid or revoked access token', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });

/**
 * Bearer authentication for token-api's own routes until packages/verifier is wired in: the
 * signature against this replica's keys (jose), then the token's record (live, not cut off by a
 * password change), the device binding, and the route's scopes.
 */
export function requireBearer(deps: Pick<TokenApiDeps, 'keys' | 'config' | 'db' | 'logger'>, scopes: readonly Scope[] = []): RequestHandler {
  return async (req, res, next) => {
    const match = BEARER.exec(req.headers.authorization ?? '');
    if (!match || !AccessTokenString.safeParse(match[1]).success) throw invalidToken();
    let claims;
    try {
      claims = await verifyAccessToken(match[1]!, deps.keys, { issuer: deps.config.JWT_ISSUER, audience: deps.config.JWT_AUDIENCE });
    } catch (error) {
      if (error instanceof AccessTokenError) {
        req.log?.info({ reason: error.reason }, 'bearer token refused');
        throw invalidToken();
      }
      throw error;
    }
    if (!constantTimeEqual(claims.fpr, clientContext(req).fingerprint)) throw invalidToken();
    const standing = await accessTokenStanding(deps.db, claims.jti);
    if (!standing || standing.status !== 'ACTIVE' || standing.familyId !== claims.sid) throw invalidToken();
    if (standing.cutoff && uuidV7Timestamp(claims.jti) < standing.cutoff.getTime()) throw invalidToken();

    const missing = scopes.filter((s) => !claims.scope.includes(s));
    if (missing.length > 0) {
      throw new AppError(403, 'insufficient_scope', `This call needs the scope(s) ${missing.join(' ')}`, {
        headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"` },
      });
    }
    const principal: Principal = { userId: claims.sub, email: standing.email, role: standing.userRole === 'admin' ? 'admin' : 'user', tokenId: claims.jti, familyId: claims.sid, scopes: claims.scope };
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new TypeError('route is missing requireBearer');
  return principal;
}
