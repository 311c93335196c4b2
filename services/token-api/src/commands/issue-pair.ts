import type { Transaction } from 'kysely';
import type { TokenEvent, TokenPairResponse } from '@tessera/contracts';
import { formatScopes } from '@tessera/contracts';
import type { TokenApiDatabase } from '../db/schema.js';
import type { TokenApiDeps } from '../deps.js';
import type { IssuedPair } from '../domain/issue-session.js';
import type { OutboxEntry } from '../outbox/append.js';
import { writeIssue, type IssueWrite } from '../repo/issue-write.js';
import { newRefreshToken, sha256Hex } from '../secrets/tokens.js';
import { signAccessToken } from '../signing/access-token.js';

/**
 * Turns a decided pair into token strings and rows: signs the access token, draws the refresh
 * secret, and writes both (by hash only) with the events and any rotation in one statement.
 */
export async function storePair(
  deps: Pick<TokenApiDeps, 'keys' | 'config' | 'topology'>,
  trx: Transaction<TokenApiDatabase>,
  pair: IssuedPair,
  options: { events?: TokenEvent[]; now: number } & Pick<IssueWrite, 'rotated' | 'superseded'>,
): Promise<{ response: TokenPairResponse; entries: OutboxEntry[] }> {
  const accessToken = await signAccessToken(deps.keys.current(), pair.access, { issuer: deps.config.JWT_ISSUER, audience: deps.config.JWT_AUDIENCE });
  const refreshToken = newRefreshToken();
  const hashes = new Map([
    [pair.access.id, sha256Hex(accessToken)],
    [pair.refresh.id, sha256Hex(refreshToken)],
  ]);
  const entries = await writeIssue(trx, deps.topology, {
    tokens: [pair.refresh, pair.access],
    hashes,
    events: options.events ?? pair.events,
    ...(options.rotated ? { rotated: options.rotated } : {}),
    ...(options.superseded ? { superseded: options.superseded } : {}),
    now: new Date(options.now),
  });
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
