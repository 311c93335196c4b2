import type { ErrorRequestHandler, Express } from 'express';
import { AppError } from '@tessera/platform';
import type { TokenApiDeps } from '../../../deps.js';
import type { IntrospectionEndpoint } from './introspect-endpoint.js';
import type { ServiceClients } from './client-auth.js';
import { invalidRequest, OAuthError, sendOAuthError } from './errors.js';
import { metadataRoute } from './metadata.js';
import { revokeRoute } from './revoke-endpoint.js';

/** RFC 7662 introspection, RFC 7009 revocation, RFC 8414 metadata. */
export function mountOAuthRoutes(app: Express, deps: TokenApiDeps, clients: ServiceClients, introspection: IntrospectionEndpoint): void {
  introspection.route(app);
  revokeRoute(app, deps, clients);
  metadataRoute(app, deps);
  // Errors raised before the routes (the shared body parsers: malformed JSON, 413) still answer
  // in OAuth's format on /oauth2.
  app.use('/oauth2', oauthErrors);
}

const oauthErrors: ErrorRequestHandler = (error, _req, res, next) => {
  if (res.headersSent) return next(error);
  if (error instanceof OAuthError) return sendOAuthError(res, error);
  const status = typeof error?.status === 'number' ? error.status : error instanceof AppError ? error.status : 500;
  if (status === 413) return sendOAuthError(res, invalidRequest('The body exceeds 16384 bytes', 413));
  if (status >= 400 && status < 500) return sendOAuthError(res, invalidRequest('The request body could not be read', status));
  next(error);
};
