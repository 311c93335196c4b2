import { trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths that must never reach a log line, at any depth we log objects at. pino's redaction is
 * path-based (fast, no deep walk), so each secret is listed at the depths it can occur: top
 * level, inside a logged object (`body`, `err`...), and in request/response headers.
 */
const SECRET_KEYS = ['password', 'currentPassword', 'newPassword', 'token', 'access_token', 'refresh_token', 'refreshToken', 'accessToken', 'authorization', 'cookie', 'secret', 'client_secret'];
export const REDACTED_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export interface LoggerSettings {
  service: string;
  level?: LoggerOptions['level'];
  /** Where lines go; tests pass a stream to read them back. Defaults to stdout. */
  destination?: DestinationStream;
}

/**
 * JSON logs with the active trace and span ids on every line, so a log line and a trace can be
 * joined in whatever backend the operator uses.
 */
export function createLogger({ service, level = 'info', destination }: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'message',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    mixin() {
      const span = trace.getActiveSpan();
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * Security-relevant events (logins, lockouts, revocations...) are ordinary log lines with a
 * stable `event_type` and `security: true`, so a SIEM can select them with one filter.
 */
export function logSecurityEvent(logger: Logger, eventType: string, fields: Record<string, unknown>, message?: string): void {
  logger.info({ ...fields, event_type: eventType, security: true }, message ?? eventType);
}
