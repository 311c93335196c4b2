import type { Registry } from 'prom-client';
import type { TokenApiDeps } from '../../../deps.js';
import { ServiceClients } from './client-auth.js';
import { introspectionEndpoint } from './introspect-endpoint.js';
import { mountOAuthRoutes } from './index.js';

/** The /oauth2 endpoints: `fastPath` for ServiceParts (null when off), `mount` for the Express routes. */
export function oauthEndpoints(deps: TokenApiDeps, registry: Registry) {
  const clients = new ServiceClients(deps.config.INTROSPECTION_CLIENTS);
  const introspection = introspectionEndpoint(deps, clients, registry);
  return {
    fastPath: deps.config.INTROSPECTION_FAST_PATH ? introspection.fastPath : null,
    mount: (app: Parameters<typeof mountOAuthRoutes>[0]) => mountOAuthRoutes(app, deps, clients, introspection),
  };
}
