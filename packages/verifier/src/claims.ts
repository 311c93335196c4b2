// The access-token claims token-api issues (RFC 9068 profile plus Tessera's session, device and
// geo claims). jose has checked the signature and the time claims before this schema runs; the
// schema checks the shape, so every later check can rely on types instead of guarding.
import { CountryCode, EpochSeconds, SCOPES, Uuid, UuidV7, isAdminScope, type Scope } from '@tessera/contracts';
import { z } from 'zod';

/** JWS `typ` of an access token (RFC 9068 §2.1); a refresh or ID token is refused by it. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** SHA-256 of the User-Agent at issue, lowercase hex (see userAgentFingerprint). */
export const UserAgentFingerprint = z.string().regex(/^[0-9a-f]{64}$/);

/** One RFC 8176 method value (`pwd`, `otp`, `hwk`, …): short, lowercase. */
const AMR_VALUE = /^[a-z0-9_]{1,32}$/;

export const AccessTokenClaims = z.object({
  iss: z.string().min(1).max(512),
  sub: Uuid,
  aud: z.union([z.string().min(1).max(512), z.array(z.string().min(1).max(512)).min(1).max(16)]),
  exp: EpochSeconds,
  iat: EpochSeconds,
  nbf: EpochSeconds.optional(),
  /** UUIDv7: its timestamp is the issue instant in milliseconds (DESIGN §4). */
  jti: UuidV7,
  /** RFC 8693 §4.2: space-separated. */
  scope: z.string().max(1024),
  /** Session (refresh family) id: revoking the session refuses every access token of it. */
  sid: Uuid,
  fpr: UserAgentFingerprint,
  /** Countries the token may be used from; absent means anywhere. */
  ctry: z.array(CountryCode).min(1).max(250).optional(),
  /** RFC 8176 authentication methods of the session (`pwd`, `otp`); absent on older tokens. */
  amr: z.array(z.string().regex(AMR_VALUE)).min(1).max(8).optional(),
  /** When the user last authenticated (OIDC `auth_time`, RFC 9068 §2.2.1): what "a recent otp" is measured from. */
  auth_time: EpochSeconds.optional(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;

// The schema above is the contract and what the tests hold this to; on first sight of every token
// the verifier runs the hand-written equivalent below instead, because a zod object parse right
// after a WebCrypto verification costs ~4 % of first-sight throughput (bench/verifier), and the
// verifier's budget over raw jose is 10 %. claims.test.ts checks the two agree value by value.
const UUID = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const FINGERPRINT = /^[0-9a-f]{64}$/;
const COUNTRY = /^[A-Z]{2}$/;

const isBoundedString = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const isEpochSeconds = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isArrayOf = (v: unknown, min: number, max: number, item: (x: unknown) => boolean): v is string[] =>
  Array.isArray(v) && v.length >= min && v.length <= max && v.every(item);

/** Same acceptance and output as `AccessTokenClaims.safeParse` (unknown members dropped); null if invalid. */
export function parseAccessTokenClaims(p: Record<string, unknown>): AccessTokenClaims | null {
  const { iss, sub, aud, exp, iat, nbf, jti, scope, sid, fpr, ctry, amr, auth_time } = p;
  if (!isBoundedString(iss, 1, 512)) return null;
  if (typeof sub !== 'string' || !UUID.test(sub)) return null;
  if (!isBoundedString(aud, 1, 512) && !isArrayOf(aud, 1, 16, (a) => isBoundedString(a, 1, 512))) return null;
  if (!isEpochSeconds(exp) || !isEpochSeconds(iat)) return null;
  if (nbf !== undefined && !isEpochSeconds(nbf)) return null;
  if (typeof jti !== 'string' || !UUID_V7.test(jti)) return null;
  if (!isBoundedString(scope, 0, 1024)) return null;
  if (typeof sid !== 'string' || !UUID.test(sid)) return null;
  if (typeof fpr !== 'string' || !FINGERPRINT.test(fpr)) return null;
  if (ctry !== undefined && !isArrayOf(ctry, 1, 250, (c) => typeof c === 'string' && COUNTRY.test(c))) return null;
  if (amr !== undefined && !isArrayOf(amr, 1, 8, (m) => typeof m === 'string' && AMR_VALUE.test(m))) return null;
  if (auth_time !== undefined && !isEpochSeconds(auth_time)) return null;
  const claims: AccessTokenClaims = { iss, sub, aud: Array.isArray(aud) ? [...aud] : aud, exp, iat, jti, scope, sid, fpr };
  if (nbf !== undefined) claims.nbf = nbf;
  if (ctry !== undefined) claims.ctry = [...ctry];
  if (amr !== undefined) claims.amr = [...amr];
  if (auth_time !== undefined) claims.auth_time = auth_time;
  return claims;
}

/** What the checks after the signature need, computed once per token and then cached. */
export interface TokenFacts {
  readonly claims: Readonly<AccessTokenClaims>;
  /** Known scopes only: a scope this verifier does not know grants nothing here. */
  readonly scopes: readonly Scope[];
  readonly isAdmin: boolean;
  /** Lowercased ids, as they appear in REVOCATIONS keys. */
  readonly tokenId: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  /** The `fpr` claim, lowercase hex. */
  readonly fingerprint: string;
  readonly countries: readonly string[] | null;
}

/** `claims` must be a fresh object (parseAccessTokenClaims' output): it is frozen in place. */
export function tokenFacts(claims: AccessTokenClaims): TokenFacts {
  const granted = claims.scope.split(' ');
  const scopes: Scope[] = [];
  let isAdmin = false;
  for (const scope of SCOPES) {
    if (granted.includes(scope)) {
      scopes.push(scope);
      if (isAdminScope(scope)) isAdmin = true;
    }
  }
  if (Array.isArray(claims.aud)) Object.freeze(claims.aud);
  if (claims.ctry) Object.freeze(claims.ctry);
  if (claims.amr) Object.freeze(claims.amr);
  return {
    claims: Object.freeze(claims),
    scopes: Object.freeze(scopes),
    isAdmin,
    tokenId: claims.jti.toLowerCase(),
    sessionId: claims.sid.toLowerCase(),
    userId: claims.sub.toLowerCase(),
    // Validated UUIDv7: its first 48 bits are the issue instant in ms (RFC 9562 §5.7), what
    // contracts' uuidV7Timestamp reads, without validating a second time.
    issuedAtMs: Number.parseInt(claims.jti.slice(0, 8) + claims.jti.slice(9, 13), 16),
    expiresAtMs: claims.exp * 1000,
    fingerprint: claims.fpr,
    countries: claims.ctry ?? null,
  };
}
