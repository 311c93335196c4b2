import type { Express } from 'express';
import type { TokenApiDeps } from '../../deps.js';

/** GET /.well-known/jwks.json: upcoming, current and still-relevant previous public keys. */
export function jwksRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/.well-known/jwks.json', (_req, res) => {
    // Short: verifiers also refetch on an unknown kid and on SigningKeyRotated.
    res.set('Cache-Control', 'public, max-age=60').json(deps.keys.jwks());
  });
}
