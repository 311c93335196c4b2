import { jetstream } from '@nats-io/jetstream';
import {
  createConsumerMetrics,
  observeConsumer,
  provisionConsumer,
  runService,
  Topology,
  topologySettings,
  type HealthCheck,
  type Logger,
  type RunningConsumer,
  type RunningService,
} from '@tessera/platform';
import type { SweeperConfig } from './config.js';
import { createSweeperMetrics } from './metrics.js';
import { migrations } from './migrations/index.js';
import { startScheduleConsumer } from './schedule/consumer.js';
import type { SweeperDatabase } from './schedule/tables.js';
import { SweepLoop } from './sweep/loop.js';
import { sweepLagSeconds } from './sweep/maintenance.js';
import { createSweepPass } from './sweep/pass.js';
import { PipelinedPublisher } from './sweep/publisher.js';

/**
 * The sweeper: the `sweeper` durable consumer keeps expiry_schedule, and the sweep loop turns due
 * rows into TokenExpired (and TokenExpiring) events. Replicas share both: the consumer by its
 * durable, the loop by `FOR UPDATE SKIP LOCKED`.
 */
export async function startSweeper(config: SweeperConfig, logger: Logger): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  let consumer: RunningConsumer | null = null;
  let consumerLag: { stop(): void } | null = null;
  let loop: SweepLoop | null = null;
  let publisher: PipelinedPublisher | null = null;

  return runService<SweeperDatabase>({
    name: 'sweeper',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    database: { url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: config.DATABASE_POOL_MAX, migrations },
    build: ({ registry, database }) => {
      const db = database.db;
      const lag = () => sweepLagSeconds(db, new Date());
      const metrics = createSweeperMetrics(registry, lag);
      const consumerMetrics = createConsumerMetrics(registry);
      return {
        health: [sweepHealthCheck(() => loop, lag)],
        onNats: async (nc) => {
          await provisionConsumer(nc, topology, 'sweeper', { maxDeliver: config.CONSUMER_MAX_ATTEMPTS + 5 });
          const js = jetstream(nc);
          consumer ??= await startScheduleConsumer({
            js,
            topology,
            db,
            logger,
            metrics: consumerMetrics,
            policy: { warningMs: config.TOKEN_EXPIRING_WARNING_SECONDS * 1000 },
            maxAttempts: config.CONSUMER_MAX_ATTEMPTS,
            batchSize: config.CONSUMER_BATCH_SIZE,
          });
          consumerLag ??= observeConsumer({ nc, topology, durable: 'sweeper', registry, logger });
          publisher ??= new PipelinedPublisher(nc, { stream: topology.streams.tokenEvents.name });
          loop ??= new SweepLoop({
            logger,
            intervalMs: config.SWEEP_INTERVAL_MS,
            concurrency: config.SWEEP_CONCURRENCY,
            pass: createSweepPass({
              db,
              publisher,
              topology,
              metrics,
              batchSize: config.SWEEP_BATCH_SIZE,
              tombstoneGraceMs: config.REVOKED_TOMBSTONE_GRACE_SECONDS * 1000,
              cutoffRetentionMs: topology.settings.eventsMaxAgeMs,
            }),
          });
          loop.start();
        },
        // The loop first: its batch in progress publishes and commits while NATS is still open.
        stop: async () => {
          consumerLag?.stop();
          await loop?.stop();
          publisher?.close();
          await consumer?.stop();
        },
      };
    },
  });
}

/**
 * Not a readiness check (a lagging sweeper still does its work; taking it out of rotation helps
 * nothing): it reports the lag and the last pass in `/health`, DOWN while passes are failing.
 */
function sweepHealthCheck(loop: () => SweepLoop | null, lagSeconds: () => Promise<number>): HealthCheck {
  return {
    name: 'sweep',
    readiness: false,
    check: async () => {
      const status = loop()?.status() ?? { running: false, lastPassAt: null, lastError: null };
      const detail = { lagSeconds: await lagSeconds(), ...status };
      return { status: status.lastError === null ? 'UP' : 'DOWN', detail };
    },
  };
}
