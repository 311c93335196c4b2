// POST /oauth2/revoke (RFC 7009). The caller is a service with its credential, an access token
// with ADMIN_TOKENS (any token), or the token's owner presenting an access token of theirs.
// The answer is 200 with an empty body whether the token was live, already dead, unknown, or
// someone else's (§2.2): the endpoint never tells whether a token exists. The hint orders the
// search but is not trusted.
import type { Express } from 'express';
import { OAuthRevokeRequest, type Actor } from '@tessera/contracts';
import { revokeToken } from '../../../commands/revoke-token.js';
import type { TokenApiDeps } from '../../../deps.js';
import { actorFor, mayReach } from '../../../domain/token-access.js';
import { findTokenIdByHash } from '../../../queries/token-lookup.js';
import { bearerRequestOf, recordUse } from '../../bearer.js';
import { authenticateOAuthCaller, type OAuthCaller } from './caller.js';
import type { ServiceClients } from './client-auth.js';
import { NO_STORE } from './errors.js';
import { fail } from './introspect-endpoint.js';
import { checkParams, parsedParams } from './params.js';

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const REFRESH = /^[A-Za-z0-9_-]{43}$/;
const REASON = 'revoked via RFC 7009';

export function revokeRoute(app: Express, deps: TokenApiDeps, clients: ServiceClients): void {
  app.post('/oauth2/revoke', async (req, res) => {
    try {
      // Any valid access token may call (its owner revokes their own); ADMIN_TOKENS reaches all.
      const caller = await authenticateOAuthCaller(deps, clients, bearerRequestOf(req, deps.config.GEO_COUNTRY_HEADER), []);
      const input = checkParams(OAuthRevokeRequest, parsedParams(req));
      const tokenId = await locate(deps, input.token, input.token_type_hint);
      if (tokenId !== null) await revokeToken(deps, { tokenId, reason: REASON, actorFor: (ownerId) => actorOf(caller, ownerId) });
      res.status(200).set(NO_STORE).end();
      if (caller.kind === 'user') recordUse(deps, caller.principal);
    } catch (error) {
      fail(res, error, deps.logger);
    }
  });
}

/** A service acts for itself; a user reaches their own tokens (others' are a silent no-op). */
function actorOf(caller: OAuthCaller, ownerId: string): Actor | null {
  if (caller.kind === 'client') return { kind: 'service', id: caller.clientId };
  return mayReach(caller.principal, ownerId) ? actorFor(caller.principal, ownerId) : null;
}

/** The recorded token's id, or null when it is not one of ours (nothing to do). */
async function locate(deps: TokenApiDeps, token: string, hint: 'access_token' | 'refresh_token' | undefined): Promise<string | null> {
  const kinds = hint === 'refresh_token' ? (['refresh_token', 'access_token'] as const) : (['access_token', 'refresh_token'] as const);
  for (const kind of kinds) {
    // Found by SHA-256 like refresh tokens: exact, and a revoked or expired token is found too
    // (revoking it again changes nothing).
    if (kind === 'access_token' && JWS.test(token)) return (await findTokenIdByHash(deps.db, token, 'ACCESS')) ?? null;
    if (kind === 'refresh_token' && REFRESH.test(token)) return (await findTokenIdByHash(deps.db, token, 'REFRESH')) ?? null;
  }
  return null;
}
