// The access-token claims token-api issues (RFC 9068 profile plus Tessera's session, device and
// geo claims). jose has checked the signature and the time claims before this schema runs; the
// schema checks the shape, so every later check can rely on types instead of guarding.
import { CountryCode, EpochSeconds, SCOPES, Uuid, UuidV7, isAdminScope, type Scope } from '@tessera/contracts';
import { z } from 'zod';

/** JWS `typ` of an access token (RFC 9068 §2.1); a refresh or ID token is refused by it. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** SHA-256 of the User-Agent at issue, lowercase hex (see userAgentFingerprint). */
export const UserAgentFingerprint = z.string().regex(/^[0-9a-f]{64}$/);

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
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaims>;

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
  readonly fingerprint: Buffer;
  readonly countries: ReadonlySet<string> | null;
}

export function tokenFacts(claims: AccessTokenClaims): TokenFacts {
  const granted = new Set(claims.scope.split(' '));
  const scopes = SCOPES.filter((s) => granted.has(s));
  const frozen = Object.freeze({
    ...claims,
    ...(Array.isArray(claims.aud) ? { aud: Object.freeze([...claims.aud]) as string[] } : {}),
    ...(claims.ctry ? { ctry: Object.freeze([...claims.ctry]) as string[] } : {}),
  });
  return {
    claims: frozen,
    scopes: Object.freeze(scopes),
    isAdmin: scopes.some(isAdminScope),
    tokenId: claims.jti.toLowerCase(),
    sessionId: claims.sid.toLowerCase(),
    userId: claims.sub.toLowerCase(),
    // The schema has validated the UUIDv7; its first 48 bits are the issue instant in ms (RFC 9562
    // §5.7), what contracts' uuidV7Timestamp reads, without validating a second time.
    issuedAtMs: Number.parseInt(claims.jti.slice(0, 8) + claims.jti.slice(9, 13), 16),
    expiresAtMs: claims.exp * 1000,
    fingerprint: Buffer.from(claims.fpr, 'hex'),
    countries: claims.ctry ? new Set(claims.ctry) : null,
  };
}
