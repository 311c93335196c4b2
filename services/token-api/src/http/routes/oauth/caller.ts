// Who is calling /oauth2/introspect or /oauth2/revoke: a service with its credential (HTTP
// Basic), or a bearer access token (checked like every bearer route). Failures are RFC 6749 /
// RFC 6750 answers: 401 with the challenge of the scheme that was tried.
import { AppError } from '@tessera/platform';
import type { Principal } from '../../../commands/principal.js';
import { authenticateBearer, type BearerDeps, type BearerRequest, type RouteScopes } from '../../bearer.js';
import type { ServiceClients } from './client-auth.js';
import { invalidClient, OAuthError } from './errors.js';

export type OAuthCaller = { kind: 'client'; clientId: string } | { kind: 'user'; principal: Principal };

export async function authenticateOAuthCaller(deps: BearerDeps, clients: ServiceClients, request: BearerRequest, bearerScopes: RouteScopes): Promise<OAuthCaller> {
  const authorization = request.authorization ?? '';
  if (/^Basic /i.test(authorization)) {
    const clientId = clients.authenticate(authorization);
    if (clientId === null) throw invalidClient();
    return { kind: 'client', clientId };
  }
  if (authorization.startsWith('Bearer ')) {
    try {
      return { kind: 'user', principal: await authenticateBearer(deps, request, bearerScopes) };
    } catch (error) {
      throw bearerFailure(error);
    }
  }
  throw invalidClient();
}

/** RFC 7662 §2.3: an invalid or under-privileged bearer token is a 401 with its RFC 6750 challenge. */
function bearerFailure(error: unknown): unknown {
  if (!(error instanceof AppError)) return error;
  if (error.status === 401 || error.status === 403) return invalidClient(error.headers['WWW-Authenticate'] ?? 'Bearer error="invalid_token"');
  if (error.status === 429) return new OAuthError(429, 'invalid_request', 'Too many requests with this access token', error.headers);
  if (error.status === 503) return new OAuthError(503, 'server_error', 'Token verification is temporarily unavailable', error.headers);
  return error;
}
