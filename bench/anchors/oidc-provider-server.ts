// oidc-provider (the Node OAuth 2.0 / OpenID server) as the anchor for token issuance and
// revocation: client_credentials grant, opaque access tokens, the default in-memory adapter, in
// its own process so it can be pinned like token-api. The same settings as
// bench/introspection/oidc-anchor.ts (whose introspection figure the report reuses), with RFC 7009
// revocation enabled as well. Prints `READY <port>` once listening.
import type { Server } from 'node:http';
import { ANCHOR_CLIENT } from './clients.js';

// oidc-provider ships no types; the slice used here. (A computed specifier keeps the compiler from
// looking for a declaration that bench/introspection may or may not declare too.)
interface ProviderInstance {
  listen(port: number, host: string, callback: () => void): Server;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
const specifier = 'oidc-provider';
const { default: Provider } = (await import(specifier)) as { default: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance };

const port = Number(process.env.PORT ?? 0);
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{ client_id: ANCHOR_CLIENT.id, client_secret: ANCHOR_CLIENT.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api' }],
  scopes: ['api'],
  features: { introspection: { enabled: true }, revocation: { enabled: true }, clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
  ttl: { ClientCredentials: 3600 },
});
provider.on('server_error', (_ctx: unknown, error: unknown) => process.stderr.write(`oidc-provider error: ${String(error)}\n`));
const server = provider.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
