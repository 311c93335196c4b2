// RFC 7662 introspection, the part both front doors (the raw fast path and the Express route)
// share. Access tokens go through the verifier — a cache hit plus the revocation lookups, no
// database — and refresh tokens through one indexed read by SHA-256. Anything not active answers
// exactly {"active": false} (§2.2): no reason, no hint of whether the token ever existed.
import { formatScopes, type IntrospectActiveResponse, type TokenTypeHint } from '@tessera/contracts';
import type { Kysely } from 'kysely';
import type { TokenApiConfig } from '../../../config.js';
import type { TokenApiDatabase } from '../../../db/schema.js';
import { parseScopes } from '../../../repo/users.js';
import { callerRecord } from '../../../queries/principal.js';
import { sha256Hex } from '../../../secrets/tokens.js';
import type { Verification } from '../../../verification/verification.js';

export interface IntrospectDeps {
  config: TokenApiConfig;
  db: Kysely<TokenApiDatabase>;
  verification: Verification;
  clock: () => number;
}

/** Who asked, for the TokenValidationFailed aggregates of tokens found inactive. */
export interface Inquirer {
  ip: string;
  userAgent: string;
}

/** An RFC 7662 answer, already serialized (the hot path answers from a cache of these). */
export interface Introspection {
  active: boolean;
  json: string;
}

export const INACTIVE: Introspection = Object.freeze({ active: false, json: '{"active":false}' });

const answer = (body: IntrospectActiveResponse): Introspection => ({ active: true, json: JSON.stringify(body) });

const REFRESH = /^[A-Za-z0-9_-]{43}$/;

/** Three dot-separated parts; the verifier (jose) checks the rest of the compact JWS syntax. */
export function hasJwsShape(token: string): boolean {
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  return first > 0 && last > first + 1 && last < token.length - 1 && token.indexOf('.', first + 1) === last;
}

/**
 * The serialized answer per verified token: the verifier hands back the same frozen claims
 * object for every call with a cached token (revocation is checked before that), and the answer
 * for those claims never changes (emails never change), so it is built once. A WeakMap: an entry
 * leaves with the verifier's cache entry.
 */
const ANSWERS = new WeakMap<object, string>();

/**
 * The hint is honoured (that type is searched first) but not trusted (RFC 7662 §2.1: the other
 * type is searched when the hinted one finds nothing). The two formats cannot be confused — a
 * refresh token is 43 base64url characters, an access token a three-part JWS — so a type whose
 * format the token does not have is skipped without a lookup.
 */
export function introspect(deps: IntrospectDeps, token: string, hint: TokenTypeHint | undefined, inquirer: Inquirer): Promise<Introspection> {
  const kinds = hint === 'refresh_token' ? (['refresh_token', 'access_token'] as const) : (['access_token', 'refresh_token'] as const);
  for (const kind of kinds) {
    if (kind === 'access_token' && hasJwsShape(token)) return introspectAccessToken(deps, token, inquirer);
    if (kind === 'refresh_token' && REFRESH.test(token)) return introspectRefreshToken(deps, token);
  }
  return Promise.resolve(INACTIVE);
}

async function introspectAccessToken(deps: IntrospectDeps, token: string, inquirer: Inquirer): Promise<Introspection> {
  const { verification } = deps;
  const result = await verification.introspection.verify(token);
  if (!result.ok) {
    if (result.reason !== 'keys_unavailable' && result.reason !== 'revocation_state_stale' && result.reason !== 'insufficient_scope') {
      const sub = result.claims?.sub;
      const jti = result.claims?.jti;
      verification.failures.record({ reason: result.reason, ...(typeof sub === 'string' ? { userId: sub } : {}), ...(typeof jti === 'string' ? { tokenId: jti } : {}), clientIp: inquirer.ip, userAgent: inquirer.userAgent });
    }
    return INACTIVE;
  }
  const { claims } = result;
  let username: string | undefined;
  if (verification.revocationCurrent()) {
    username = verification.emails.cached(claims.sub) ?? (await verification.emails.load(claims.sub));
  } else {
    // The mirror is not current: the database decides whether the token is still live.
    username = (await callerRecord(deps.db, claims, true))?.email;
  }
  if (username === undefined) return INACTIVE;
  verification.lastUsed.touch(claims.jti, deps.clock());
  const known = ANSWERS.get(claims);
  if (known !== undefined) return { active: true, json: known };
  const fresh = answer({
    active: true,
    scope: claims.scope,
    username,
    token_type: 'Bearer',
    exp: claims.exp,
    iat: claims.iat,
    // Our access tokens are valid from their issue instant.
    nbf: claims.nbf ?? claims.iat,
    sub: claims.sub,
    aud: claims.aud,
    iss: claims.iss,
    jti: claims.jti,
  });
  ANSWERS.set(claims, fresh.json);
  return fresh;
}

async function introspectRefreshToken(deps: IntrospectDeps, token: string): Promise<Introspection> {
  const row = await deps.db
    .selectFrom('auth_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.user_id', 't.status', 't.scopes', 't.created_at', 't.expires_at', 'u.email', 'u.tokens_not_before'])
    .where('t.token_hash', '=', sha256Hex(token))
    .where('t.token_type', '=', 'REFRESH')
    .executeTakeFirst();
  const now = deps.clock();
  if (!row || row.status !== 'ACTIVE' || row.expires_at.getTime() <= now) return INACTIVE;
  if (row.tokens_not_before && row.created_at.getTime() < row.tokens_not_before.getTime()) return INACTIVE;
  const iat = Math.floor(row.created_at.getTime() / 1000);
  return answer({
    active: true,
    scope: formatScopes(parseScopes(row.scopes)),
    username: row.email,
    token_type: 'refresh_token',
    exp: Math.floor(row.expires_at.getTime() / 1000),
    iat,
    nbf: iat,
    sub: row.user_id,
    aud: deps.config.JWT_AUDIENCE,
    iss: deps.config.JWT_ISSUER,
    jti: row.id,
  });
}
