import type { Express } from 'express';
import { Reason, RevokeTokenRequest, TokenIdParam, type RevokeTokenResponse } from '@tessera/contracts';
import { parseParams, parseQuery } from '@tessera/platform';
import { z } from 'zod';
import { revokeToken } from '../../../commands/revoke-token.js';
import type { TokenApiDeps } from '../../../deps.js';
import { actorFor, mayReach } from '../../../domain/token-access.js';
import { readBody } from '../../body.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { noSuchToken, TOKEN_READERS } from './access.js';

const ReasonQuery = z.strictObject({ reason: Reason.optional() });

/** The reason, from the JSON body or the query (DELETE bodies are dropped by some clients). */
export function revocationReason(req: Parameters<typeof readBody>[1]): string | undefined {
  const body = readBody(RevokeTokenRequest, req);
  return body.reason ?? parseQuery(ReasonQuery, req).reason;
}

/** DELETE /api/v1/auth/tokens/{tokenId} `{reason?}` → 200 RevokeTokenResponse; a refresh token ends its session. */
export function revokeTokenRoute(app: Express, deps: TokenApiDeps): void {
  app.delete('/api/v1/auth/tokens/:tokenId', requireBearer(deps, TOKEN_READERS), async (req, res) => {
    const principal = principalOf(res);
    const { tokenId } = parseParams(TokenIdParam, req);
    const reason = revocationReason(req);
    const result = await revokeToken(deps, {
      tokenId,
      reason: reason ?? (principal.scopes.includes('ADMIN_TOKENS') ? 'revoked by admin' : 'revoked by user'),
      actorFor: (ownerId) => (mayReach(principal, ownerId) ? actorFor(principal, ownerId) : null),
    });
    if (!result.found) throw noSuchToken();
    const body: RevokeTokenResponse = { tokenId, revoked: true, revokedCount: result.revokedCount };
    res.json(body);
  });
}
