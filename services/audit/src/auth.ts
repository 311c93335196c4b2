// Bearer authentication for the audit API, through `@tessera/verifier` like every Tessera
// service: signature against token-api's JWKS, exp/nbf/iss/aud, the revocation mirror (a revoked
// token cannot read audit trails), device binding, and the route's scope. Kept behind one small
// interface so routes only ask for a principal.
import type { Scope } from '@tessera/contracts';
import { createRequireToken, type AuthenticatedRequest, type Verifier } from '@tessera/verifier';
import type { Request, RequestHandler } from 'express';

/** Who is calling, from a verified access token. */
export interface Principal {
  userId: string;
  scopes: readonly Scope[];
}

export interface Authenticator {
  /** Rejects requests without a valid bearer token (401) or without `scope` (403). */
  requireToken(options?: { scope?: Scope }): RequestHandler;
}

export function createVerifierAuthenticator(verifier: Verifier): Authenticator {
  const requireToken = createRequireToken(verifier);
  return {
    requireToken: ({ scope } = {}) => requireToken(scope ? { scopes: [scope] } : {}) as unknown as RequestHandler,
  };
}

/** The principal requireToken put on the request; a route without requireToken is a bug. */
export function principalOf(req: Request): Principal {
  const auth = (req as unknown as Partial<AuthenticatedRequest>).auth;
  if (auth === undefined) throw new TypeError('principalOf called on a route without requireToken');
  return { userId: auth.claims.sub.toLowerCase(), scopes: auth.scopes };
}
