import { provisionStreams, runService, Topology, topologySettings, type Logger, type RunningService } from '@tessera/platform';
import { createServiceVerifier } from '@tessera/verifier';
import type { NotifierConfig } from './config.js';
import { followTokenEvents } from './event-feed.js';
import { createNotifierMetrics } from './metrics.js';
import { verifierAuthenticator } from './verifier-authenticator.js';
import { NotifierServer } from './ws/notifier-server.js';

/**
 * The notifier: a WebSocket endpoint on the service's HTTP server, fed by an ordered consumer of
 * every token event. Each replica serves its own sockets and reads every event.
 */
export async function startNotifier(config: NotifierConfig, logger: Logger): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  let feed: { stop(): Promise<void> } | null = null;

  return runService({
    name: 'notifier',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    build: ({ registry, nats }) => {
      const verifier = createServiceVerifier(config, { logger, nats: { connection: nats.connected(), bucket: topology.revocationsBucket, keyRotatedSubject: topology.keyRotatedSubject } });
      const server = new NotifierServer({
        authenticator: verifierAuthenticator(verifier),
        limits: { maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES, maxErrors: config.WS_MAX_ERRORS, authTimeoutMs: config.WS_AUTH_TIMEOUT_MS },
        maxConnections: config.WS_MAX_CONNECTIONS,
        maxConnectionsPerUser: config.WS_MAX_CONNECTIONS_PER_USER,
        pingIntervalMs: config.WS_PING_INTERVAL_MS,
        metrics: createNotifierMetrics(registry),
        logger,
      });
      return {
        onListen: (httpServer) => server.attach(httpServer),
        onNats: async (nc) => {
          await provisionStreams(nc, topology);
          feed = await followTokenEvents(nc, topology, (event) => server.deliver(event), logger);
        },
        health: [
          {
            name: 'revocation-mirror',
            readiness: false,
            check: () => {
              const status = verifier.status();
              return { status: status.revocation.current ? 'UP' : 'DOWN', detail: { stale_for_ms: status.revocation.staleForMs, keys_loaded: status.keys.loaded } };
            },
          },
          { name: 'websockets', readiness: false, check: () => ({ status: 'UP', detail: { connections: server.connectionCount } }) },
        ],
        beforeClose: () => server.close(),
        stop: async () => {
          await feed?.stop();
          await verifier.close();
        },
      };
    },
  });
}
