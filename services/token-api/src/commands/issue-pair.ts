import type { Transaction } from 'kysely';
import type { TokenPairResponse } from '@tessera/contracts';
import { formatScopes } from '@tessera/contracts';
import type { TokenApiDatabase } from '../db/schema.js';
import type { TokenApiDeps } from '../deps.js';
import type { IssuedPair } from '../domain/issue-session.js';
import { appendEvents, type OutboxEntry } from '../outbox/append.js';
import { insertTokens } from '../repo/tokens.js';
import { newRefreshToken, sha256Hex } from '../secrets/tokens.js';
import { signAccessToken } from '../signing/access-token.js';

/**
 * Turns a decided pair into token strings and rows: signs the access token, draws the refresh
 * secret, stores both by hash only, and appends the pair's events (plus any the caller adds).
 */
export async function storePair(
  deps: Pick<TokenApiDeps, 'keys' | 'config' | 'topology'>,
  trx: Transaction<TokenApiDatabase>,
  pair: IssuedPair,
  events = pair.events,
): Promise<{ response: TokenPairResponse; entries: OutboxEntry[] }> {
  const accessToken = await signAccessToken(deps.keys.current(), pair.access, { issuer: deps.config.JWT_ISSUER, audience: deps.config.JWT_AUDIENCE });
  const refreshToken = newRefreshToken();
  const hashes = new Map([
    [pair.access.id, sha256Hex(accessToken)],
    [pair.refresh.id, sha256Hex(refreshToken)],
  ]);
  await insertTokens(trx, [pair.refresh, pair.access], hashes);
  const entries = await appendEvents(trx, deps.topology, events);
  return {
    response: {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: Math.round((pair.access.expiresAt - pair.access.issuedAt) / 1000),
      scope: formatScopes(pair.access.scopes),
    },
    entries,
  };
}
