import type { Express } from 'express';
import { SCOPES } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';

/**
 * GET /.well-known/oauth-authorization-server (RFC 8414). Tessera has no authorization or OAuth
 * token endpoint (login and refresh are its own JSON API), so it lists what it serves: the JWKS,
 * introspection and revocation with their client authentication, the scopes, and — as an
 * extension member (§2 allows them) — the algorithms its access tokens are signed with now.
 */
export function metadataRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/.well-known/oauth-authorization-server', (_req, res) => {
    const issuer = deps.config.JWT_ISSUER.replace(/\/+$/, '');
    const algorithms = [...new Set(deps.keys.jwks().keys.map((k) => k.alg).filter((a): a is string => typeof a === 'string'))];
    res.set('Cache-Control', 'public, max-age=60').json({
      issuer: deps.config.JWT_ISSUER,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      scopes_supported: SCOPES,
      // REQUIRED by RFC 8414; there is no authorization endpoint, hence none.
      response_types_supported: [],
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
      access_token_signing_alg_values_supported: algorithms,
      service_documentation: `${issuer}/api/v1`,
    });
  });
}
