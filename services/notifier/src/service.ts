import { provisionStreams, runService, Topology, topologySettings, type Logger, type RunningService } from '@tessera/platform';
import type { NotifierConfig } from './config.js';

export async function startNotifier(config: NotifierConfig, logger: Logger): Promise<RunningService> {
  const topology = new Topology(topologySettings(config));
  return runService({
    name: 'notifier',
    logger,
    port: config.PORT,
    host: config.HOST,
    natsUrl: config.NATS_URL,
    natsRequiredForReadiness: true,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,

    build: () => ({
      onNats: (nc) => provisionStreams(nc, topology),
    }),
  });
}
