// The revocation service (DESIGN §4): the durable consumer `revocation` turns token events into
// REVOCATIONS entries; a mirror of the bucket serves the size gauge, the admin endpoints and the
// cleanup pass. Replicas share the consumer; each keeps its own mirror.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, parseTokenEvent, type TokenEvent } from '@tessera/contracts';
import {
  createConsumerMetrics,
  ensureBucket,
  observeConsumer,
  provisionConsumer,
  runConsumer,
  runService,
  serverVersionAtLeast,
  Topology,
  topologySettings,
  type Logger,
  type RunningConsumer,
  type RunningService,
} from '@tessera/platform';
import { createServiceVerifier, RevocationMirror } from '@tessera/verifier';
import { removeExpiredTokens } from './cleanup.js';
import type { RevocationConfig } from './config.js';
import { revocationEffects } from './decide.js';
import { createRevocationMetrics } from './metrics.js';
import { blacklistRoutes } from './routes.js';
import { RevocationStore } from './store.js';

export async function startRevocation(config: RevocationConfig, logger: Logger): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  const bucket = topology.revocationsBucket;
  const durable = CONSUMERS.revocation.durable;
  let consumer: RunningConsumer | null = null;
  let store: RevocationStore | null = null;
  let cleanupTimer: NodeJS.Timeout | null = null;
  let lag: { stop(): void } | null = null;

  return runService({
    name: 'revocation',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,

    build: ({ registry, nats }) => {
      const connection = nats.connected();
      const mirror = new RevocationMirror({
        connection,
        bucket,
        onEvent: (event) => {
          if (event.type === 'watch_failed' || event.type === 'invalid_entry') logger.warn({ mirror_event: event }, 'revocation mirror');
          else if (event.type !== 'applied') logger.info({ mirror_event: event }, 'revocation mirror');
        },
      });
      const verifier = createServiceVerifier(config, { logger, nats: { connection, keyRotatedSubject: topology.keyRotatedSubject }, revocations: mirror });
      const metrics = createRevocationMetrics(registry, mirror);
      const consumerMetrics = createConsumerMetrics(registry);
      const cleanup = async () => {
        if (!store) return 0;
        const removed = await removeExpiredTokens(mirror, store, Date.now());
        if (removed > 0) logger.info({ removed }, 'expired revocations removed');
        return removed;
      };

      const handle = async (event: TokenEvent) => {
        // On servers with one filter per consumer we receive every token event (Topology).
        if (!topology.consumerHandles('revocation', event.type)) return;
        const effects = revocationEffects(event, {
          now: Date.now(),
          accessTokenLifetimeMs: config.ACCESS_TOKEN_EXPIRE_MINUTES * 60_000,
          clockSkewMs: config.CLOCK_SKEW_SECONDS * 1000,
        });
        let written = false;
        for (const effect of effects) written = (await store!.apply(effect)) === 'written' || written;
        if (written) metrics.propagation.observe({ event: event.type }, Math.max(0, Date.now() - Date.parse(event.occurredAt)) / 1000);
      };

      return {
        routes: blacklistRoutes({ verifier, mirror, cleanup, logger }),
        health: [
          { name: 'consumer', readiness: true, check: () => ({ status: consumer ? 'UP' : 'DOWN', detail: { durable } }) },
          { name: 'revocation_mirror', readiness: false, check: () => ({ status: mirror.isCurrent() ? 'UP' : 'DOWN', detail: { ...mirror.status(), staleForMs: finite(mirror.status().staleForMs) } }) },
          { name: 'verification_keys', readiness: false, check: () => ({ status: verifier.status().keys.loaded ? 'UP' : 'DOWN' }) },
        ],
        onNats: async (nc: NatsConnection) => {
          const perKeyTtl = serverVersionAtLeast(nc, 2, 11);
          const kv = await ensureBucket(nc, { name: bucket, maxAgeMs: config.REFRESH_TOKEN_EXPIRE_MINUTES * 60_000, replicas: config.NATS_REPLICAS });
          if (perKeyTtl) await allowPerKeyTtl(nc, bucket);
          store = new RevocationStore({ kv, perKeyTtl });
          // Started once the bucket exists, so the first watch finds it.
          mirror.start();
          await provisionConsumer(nc, topology, 'revocation', { maxDeliver: config.CONSUMER_MAX_ATTEMPTS * 2 });
          consumer = await runConsumer({
            js: jetstream(nc),
            stream: topology.streams.tokenEvents.name,
            durable,
            parse: parseTokenEvent,
            expectedSubject: (event) => topology.tokenEventSubjectOf(event),
            handle,
            dlqSubject: topology.dlqSubject(durable),
            maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
            logger,
            metrics: consumerMetrics,
          });
          lag = observeConsumer({ nc, topology, durable, registry, logger });
          if (config.BLACKLIST_CLEANUP_INTERVAL_SECONDS > 0) {
            cleanupTimer = setInterval(() => {
              if (mirror.isCurrent()) cleanup().catch((error) => logger.warn({ err: error }, 'periodic cleanup failed'));
            }, config.BLACKLIST_CLEANUP_INTERVAL_SECONDS * 1000);
            cleanupTimer.unref();
          }
          logger.info({ bucket, durable, per_key_ttl: perKeyTtl }, 'revocation consumer started');
        },
        stop: async () => {
          lag?.stop();
          if (cleanupTimer) clearInterval(cleanupTimer);
          await consumer?.stop();
          await verifier.close();
          await mirror.close();
        },
      };
    },
  });
}

/** Per-key TTL needs `allow_msg_ttl` on the bucket's stream (nats-server ≥ 2.11; it cannot be unset). */
async function allowPerKeyTtl(nc: NatsConnection, bucket: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(`KV_${bucket}`);
  if (!info.config.allow_msg_ttl) await jsm.streams.update(info.config.name, { ...info.config, allow_msg_ttl: true });
}

function finite(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}
