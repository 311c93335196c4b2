import { createServer, type Server, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening; resolves with the server and the port actually bound (0 → ephemeral). */
export function listen(handler: RequestListener, port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  // Slightly above typical load-balancer idle timeouts, so the balancer closes first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/** Stops accepting, closes idle keep-alive sockets, waits for in-flight requests. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
