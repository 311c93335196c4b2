// Bearer authentication for the audit API, kept behind one small interface so it can be
// replaced by `@tessera/verifier`'s requireToken (which adds the revocation and policy checks
// of DESIGN §4 and §6) without touching the routes. Until then: signature against token-api's
// JWKS, exp/nbf, iss, aud, and the `scope` claim.
import { ErrorCode, InvalidScopeError, parseScopeString, Uuid, type Scope } from '@tessera/contracts';
import { AppError, serviceUnavailable, unauthorized } from '@tessera/platform';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

/** Who is calling, from a verified access token. */
export interface Principal {
  userId: string;
  scopes: readonly Scope[];
}

export interface Authenticator {
  /** Rejects requests without a valid bearer token (401) or without `scope` (403). */
  requireToken(options?: { scope?: Scope }): RequestHandler;
}

export interface JwksAuthenticatorOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** DESIGN §8 algorithms; never `none` or HMAC. */
  algorithms?: string[];
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const MAX_TOKEN_CHARS = 8_192;
const PRINCIPAL = Symbol('principal');

/** JWKS problems are ours (503, retry); anything else wrong with a token is the caller's (401). */
const UNAVAILABLE_CODES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

const invalidToken = () =>
  new AppError(401, ErrorCode.INVALID_TOKEN, 'The access token is invalid or expired', {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

export function createJwksAuthenticator(options: JwksAuthenticatorOptions): Authenticator {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000 });
  const algorithms = options.algorithms ?? ['ES256', 'EdDSA', 'RS256'];

  const verify = async (token: string): Promise<Principal> => {
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: options.issuer, audience: options.audience, algorithms });
      const sub = Uuid.safeParse(payload.sub);
      if (!sub.success || typeof payload.scope !== 'string') throw invalidToken();
      return { userId: sub.data.toLowerCase(), scopes: parseScopeString(payload.scope) };
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (error instanceof joseErrors.JOSEError && !UNAVAILABLE_CODES.has(error.code)) throw invalidToken();
      // An unknown scope in the claim is a token we did not mint: invalid, not a server fault.
      if (error instanceof InvalidScopeError) throw invalidToken();
      throw serviceUnavailable('Cannot verify access tokens right now', error);
    }
  };

  return {
    requireToken({ scope } = {}) {
      return (req: Request, res: Response, next: NextFunction) => {
        const header = req.headers.authorization;
        const match = header !== undefined && header.length <= MAX_TOKEN_CHARS + 7 ? BEARER.exec(header) : null;
        if (match === null) return next(unauthorized());
        verify(match[1]!).then(
          (principal) => {
            if (scope !== undefined && !principal.scopes.includes(scope)) {
              return next(
                new AppError(403, ErrorCode.INSUFFICIENT_SCOPE, `This requires the ${scope} scope`, {
                  headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` },
                }),
              );
            }
            (res.locals as Record<symbol, Principal>)[PRINCIPAL] = principal;
            next();
          },
          (error: unknown) => next(error),
        );
      };
    },
  };
}

/** The principal requireToken put on the response; a route without requireToken is a bug. */
export function principalOf(res: Response): Principal {
  const principal = (res.locals as Record<symbol, Principal | undefined>)[PRINCIPAL];
  if (principal === undefined) throw new TypeError('principalOf called on a route without requireToken');
  return principal;
}
