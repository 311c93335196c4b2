// The anchor: oidc-provider's RFC 7662 introspection of opaque access tokens (client
// credentials, the default in-memory adapter), in its own process so it can be pinned to the
// same CPU the token-api server gets. Prints `READY <port>` once listening.
import Provider from 'oidc-provider';
import { ANCHOR_CLIENT } from './clients.js';

const port = Number(process.env.PORT ?? 0);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{ client_id: ANCHOR_CLIENT.id, client_secret: ANCHOR_CLIENT.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api' }],
  scopes: ['api'],
  features: { introspection: { enabled: true }, clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  ttl: { ClientCredentials: 3600 },
});
// Keep the run's output to figures: oidc-provider warns about its development defaults.
provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider error: ${String(error)}\n`));
const server = provider.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
