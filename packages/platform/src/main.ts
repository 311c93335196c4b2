import type { z } from 'zod';
import { loadConfigOrExit, type baseConfigSchema } from './config.js';
import { exitOnSignals } from './lifecycle.js';
import { createLogger, type Logger } from './logger.js';
import type { RunningService } from './service.js';
import { startTelemetry } from './telemetry.js';

type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * The whole of a service's `main.ts`: config (or exit with one line), telemetry, logger, start,
 * and an orderly stop on SIGTERM/SIGINT that also flushes traces.
 */
export async function runMain<S extends z.ZodType<BaseConfig, any>>(
  name: string,
  schema: S,
  start: (config: z.infer<S>, logger: Logger) => Promise<RunningService>,
): Promise<void> {
  const config = loadConfigOrExit(schema);
  const telemetry = startTelemetry(config.SERVICE_NAME ?? name);
  const logger = createLogger({ service: config.SERVICE_NAME ?? name, level: config.LOG_LEVEL });
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  try {
    const service = await start(config, logger);
    exitOnSignals(async () => {
      const outcome = await service.stop();
      await telemetry?.shutdown();
      return outcome;
    }, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    logger.flush?.();
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  }
}
