// RFC 9068 access tokens: `typ: at+jwt`, iss sub aud exp iat jti scope, plus the session id
// (`sid`), the User-Agent fingerprint (`fpr`), the optional allowed countries (`ctry`) and the
// session's authentication methods and time (`amr`, `auth_time`).
import { JwtAlg, Scope, UuidV7, formatScopes, parseScopeString } from '@tessera/contracts';
import { SignJWT, errors, jwtVerify, type JWTHeaderParameters } from 'jose';
import { z } from 'zod';
import type { NewToken } from '../domain/model.js';
import type { SigningKey } from './key-material.js';
import type { KeyStore } from './key-store.js';

export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface TokenAudience {
  issuer: string;
  audience: string;
}

export async function signAccessToken(key: SigningKey, token: NewToken, where: TokenAudience): Promise<string> {
  return new SignJWT({
    scope: formatScopes(token.scopes),
    sid: token.familyId,
    fpr: token.client.fingerprint,
    ...(token.allowedCountries ? { ctry: token.allowedCountries } : {}),
    // RFC 8176 / RFC 9068 §2.2.1: how and when the session authenticated, for step-up checks.
    ...(token.auth ? { amr: token.auth.amr, auth_time: Math.floor(token.auth.authTime / 1000) } : {}),
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(where.issuer)
    .setSubject(token.userId)
    .setAudience(where.audience)
    .setIssuedAt(Math.floor(token.issuedAt / 1000))
    .setExpirationTime(Math.floor(token.expiresAt / 1000))
    .setJti(token.id)
    .sign(key.privateKey);
}

export const AccessClaims = z.object({
  iss: z.string(),
  sub: z.uuid(),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.int(),
  iat: z.int(),
  jti: UuidV7,
  scope: z.string().transform((s, ctx) => {
    try {
      return parseScopeString(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'unknown scope' });
      return z.NEVER;
    }
  }),
  sid: z.uuid(),
  fpr: z.string().regex(/^[0-9a-f]{64}$/),
  ctry: z.array(z.string().regex(/^[A-Z]{2}$/)).optional(),
  amr: z.array(z.string().regex(/^[a-z0-9_]{1,32}$/)).min(1).max(8).optional(),
  auth_time: z.int().nonnegative().optional(),
});
export type AccessClaims = z.infer<typeof AccessClaims> & { scope: Scope[] };

/** Why a bearer token was refused; never shown to the client beyond "invalid token". */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  constructor(readonly reason: 'malformed' | 'unknown_kid' | 'bad_signature' | 'expired' | 'invalid_claims') {
    super(reason);
  }
}

/** Signature against the keys this replica publishes, then iss/aud/exp/typ and claim shapes. */
export async function verifyAccessToken(jwt: string, keys: KeyStore, where: TokenAudience): Promise<AccessClaims> {
  let payload: unknown;
  try {
    const result = await jwtVerify(jwt, (header: JWTHeaderParameters) => {
      const key = keys.verificationKey(header.kid, header.alg);
      if (!key) throw new AccessTokenError('unknown_kid');
      return key;
    }, {
      issuer: where.issuer,
      audience: where.audience,
      typ: ACCESS_TOKEN_TYP,
      algorithms: [...JwtAlg.options],
      requiredClaims: ['jti', 'sub', 'iat', 'exp'],
    });
    payload = result.payload;
  } catch (error) {
    if (error instanceof AccessTokenError) throw error;
    if (error instanceof errors.JWTExpired) throw new AccessTokenError('expired');
    if (error instanceof errors.JWSSignatureVerificationFailed) throw new AccessTokenError('bad_signature');
    if (error instanceof errors.JWTClaimValidationFailed) throw new AccessTokenError('invalid_claims');
    throw new AccessTokenError('malformed');
  }
  const claims = AccessClaims.safeParse(payload);
  if (!claims.success) throw new AccessTokenError('invalid_claims');
  return claims.data;
}
