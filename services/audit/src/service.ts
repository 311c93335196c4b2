import { runService, Topology, topologySettings, type Logger, type RunningConsumer, type RunningService } from '@tessera/platform';
import { createServiceVerifier } from '@tessera/verifier';
import { createVerifierAuthenticator, type Authenticator } from './auth.js';
import type { AuditConfig } from './config.js';
import type { AuditDatabase } from './db.js';
import { auditRoutes } from './http/routes.js';
import { createAuditMetrics } from './metrics.js';
import { migrations } from './migrations/index.js';
import { startProjection } from './projection/consumer.js';
import { RebuildRunner } from './rebuild/runner.js';
import { startRetention } from './retention.js';

export interface AuditDependencies {
  /** Defaults to the verifier over token-api's JWKS and the REVOCATIONS mirror. */
  authenticator?: Authenticator;
  now?: () => number;
}

export async function startAudit(config: AuditConfig, logger: Logger, dependencies: AuditDependencies = {}): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  const now = dependencies.now ?? Date.now;
  return runService<AuditDatabase>({
    name: 'audit',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    database: { url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: config.DATABASE_POOL_MAX, migrations },
    build: ({ registry, nats, database }) => {
      const { db, pool } = database;
      const metrics = createAuditMetrics(registry);
      const verifier = dependencies.authenticator
        ? null
        : createServiceVerifier(config, { logger, nats: { connection: nats.connected(), bucket: topology.revocationsBucket, keyRotatedSubject: topology.keyRotatedSubject } });
      const auth = dependencies.authenticator ?? createVerifierAuthenticator(verifier!);
      const rebuilds = new RebuildRunner({ db, pool, nats, topology, logger, metrics, retentionDays: config.AUDIT_RETENTION_DAYS, now });
      const retention = startRetention({
        db,
        logger,
        metrics,
        now,
        retentionDays: config.AUDIT_RETENTION_DAYS,
        intervalMs: config.AUDIT_RETENTION_INTERVAL_MS,
        batchSize: config.AUDIT_RETENTION_BATCH_SIZE,
      });
      let projection: RunningConsumer | null = null;
      return {
        routes: (app) => auditRoutes(app, { db, auth, rebuilds, now }),
        onNats: async (nc) => {
          projection = await startProjection({
            nc,
            topology,
            db,
            logger,
            registry,
            metrics,
            batchSize: config.AUDIT_BATCH_SIZE,
            maxAttempts: config.AUDIT_MAX_ATTEMPTS,
            lagPollIntervalMs: config.AUDIT_LAG_POLL_INTERVAL_MS,
            now,
          });
        },
        health: [{ name: 'projection', readiness: true, check: () => ({ status: projection !== null ? 'UP' : 'DOWN' }) }],
        stop: async () => {
          await verifier?.close();
          await rebuilds.stop();
          await retention.stop();
          await projection?.stop();
        },
      };
    },
  });
}
