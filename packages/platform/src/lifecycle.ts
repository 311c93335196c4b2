import type { Logger } from './logger.js';

export interface ShutdownStep {
  name: string;
  run(): Promise<void> | void;
}

/**
 * Runs the steps in order (stop taking work, finish in-flight work, close connections) within a
 * time budget. Each step's failure is logged and does not stop the others.
 */
export async function shutdown(steps: ShutdownStep[], logger: Logger, timeoutMs: number): Promise<'clean' | 'timed_out'> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'timed_out'>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), timeoutMs);
    timer.unref();
  });
  const work = (async () => {
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        logger.warn({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    return 'clean' as const;
  })();
  const outcome = await Promise.race([work, budget]);
  clearTimeout(timer);
  return outcome;
}

/** On SIGTERM or SIGINT, call `stop` once, then exit (0 if clean). */
export function exitOnSignals(stop: () => Promise<'clean' | 'timed_out'>, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void stop().then((outcome) => {
      logger.info({ outcome }, 'stopped');
      logger.flush?.();
      process.exit(outcome === 'clean' ? 0 : 1);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
