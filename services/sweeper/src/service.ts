import { provisionStreams, runService, Topology, topologySettings, type Logger, type RunningService } from '@tessera/platform';
import type { SweeperConfig } from './config.js';
import { migrations } from './migrations/index.js';

export async function startSweeper(config: SweeperConfig, logger: Logger): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  return runService({
    name: 'sweeper',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    database: { url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: config.DATABASE_POOL_MAX, migrations },
    build: () => ({
      onNats: (nc) => provisionStreams(nc, topology),
    }),
  });
}
