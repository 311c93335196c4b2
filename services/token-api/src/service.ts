import { provisionStreams, runService, Topology, topologySettings, type Logger, type RunningService } from '@tessera/platform';
import { ensureFirstAdmin } from './commands/bootstrap.js';
import { TokenExpiryConsumer } from './expiry/consumer.js';
import type { TokenApiConfig } from './config.js';
import type { TokenApiDatabase } from './db/schema.js';
import type { TokenApiDeps } from './deps.js';
import { mountRoutes } from './http/routes/index.js';
import { oauthEndpoints } from './http/routes/oauth/setup.js';
import { createAuthMetrics } from './metrics.js';
import { migrations } from './migrations/index.js';
import { Outbox } from './outbox/outbox.js';
import { purgeStaleThrottle } from './repo/throttle.js';
import { RetentionLoop } from './retention/loop.js';
import { PasswordHasher } from './secrets/passwords.js';
import { keyEncryptionKey, setUpKeys } from './signing/setup.js';
import { createVerification } from './verification/verification.js';

export async function startTokenApi(config: TokenApiConfig, logger: Logger): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  return runService<TokenApiDatabase>({
    name: 'token-api',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: false,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    database: { url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: config.DATABASE_POOL_MAX, migrations },
    build: async ({ database, nats, registry }) => {
      const { db } = database;
      const [{ keys, kek }, passwords] = await Promise.all([
        setUpKeys(config, db, logger),
        PasswordHasher.create({ memoryKib: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST, parallelism: config.ARGON2_PARALLELISM }),
      ]);
      const outbox = new Outbox({
        db,
        nats,
        logger,
        registry,
        relayIntervalMs: config.OUTBOX_RELAY_INTERVAL_MS,
        relayBatch: config.OUTBOX_RELAY_BATCH,
        relayMinAgeMs: config.OUTBOX_RELAY_MIN_AGE_MS,
        staleMs: config.OUTBOX_STALE_SECONDS * 1000,
      });
      const verification = await createVerification({ config, db, logger, registry, keys, nats, topology });
      const deps: TokenApiDeps = {
        config,
        db,
        logger,
        topology,
        keys,
        passwords,
        metrics: createAuthMetrics(registry),
        afterCommit: (entries) => {
          verification.committed(entries);
          outbox.afterCommit(entries);
        },
        clock: Date.now,
        // File-managed signing keys leave kek null; TOTP secrets still need one.
        secretsKek: kek ?? keyEncryptionKey(config, logger),
        verification,
      };
      const oauth = oauthEndpoints(deps, registry);
      if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
        const outcome = await ensureFirstAdmin(deps, config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
        logger.info({ outcome }, outcome === 'created' ? 'first admin created from ADMIN_EMAIL' : 'ADMIN_EMAIL account exists; left unchanged');
      }
      const reloadKeys = () => keys.reload().then(() => verification.refreshKeys()).catch((error) => logger.error({ err: error }, 'signing keys reload failed; keeping the last set'));
      keys.startReloading(config.KEY_RELOAD_INTERVAL_SECONDS * 1000, (error) => logger.error({ err: error }, 'signing keys reload failed; keeping the last set'));
      const housekeeping = setInterval(() => {
        const horizon = Math.max(config.LOGIN_FAILURE_WINDOW_SECONDS, config.LOGIN_IP_WINDOW_SECONDS) * 1000;
        void purgeStaleThrottle(db, new Date(Date.now() - horizon)).catch((error) => logger.warn({ err: error }, 'login throttle purge failed'));
      }, 60_000);
      housekeeping.unref();
      outbox.start();
      const expiry = new TokenExpiryConsumer({ db, topology, logger, registry });
      const retention = new RetentionLoop({
        db,
        logger,
        registry,
        retentionMs: config.TOKEN_RETENTION_DAYS * 86_400_000,
        intervalMs: config.RETENTION_INTERVAL_MS,
        batchSize: config.RETENTION_BATCH_SIZE,
      });
      retention.start();

      return {
        routes: (app) => {
          mountRoutes(app, deps, kek ? { kek, activationDelayMs: config.KEY_ACTIVATION_DELAY_SECONDS * 1000 } : null);
          oauth.mount(app);
        },
        ...(oauth.fastPath ? { fastPath: oauth.fastPath } : {}),
        health: [verification.health(), outbox.health()],
        onNats: async (nc) => {
          await provisionStreams(nc, topology, { converge: true });
          outbox.attach(nc);
          verification.attachNats();
          // Starts in the background and never throws: readiness does not wait for NATS.
          expiry.attach(nc);
          // Another replica (or the CLI) rotated: pick the new key up now rather than at the next reload.
          nc.subscribe(topology.keyRotatedSubject, { callback: () => void reloadKeys() });
        },
        stop: async () => {
          clearInterval(housekeeping);
          keys.stop();
          await Promise.all([expiry.stop(), retention.stop()]);
          await verification.stop();
          await outbox.stop();
        },
      };
    },
  });
}
