import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger.js';

/** A real logger whose JSON lines are kept in memory, for assertions on log output. */
export function captureLogger(service = 'test', level: 'info' | 'debug' | 'warn' = 'info'): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const logger = createLogger({ service, level, destination });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
