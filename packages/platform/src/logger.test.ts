import { context, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { logSecurityEvent } from './logger.js';
import { captureLogger } from './testing/logs.js';
import { installTestTracing } from './testing/tracing.js';

installTestTracing();

describe('logger', () => {
  it('writes JSON with service, level and message', () => {
    const { logger, lines } = captureLogger('svc');
    logger.info({ a: 1 }, 'hello');
    expect(lines()[0]).toMatchObject({ service: 'svc', level: 'info', message: 'hello', a: 1 });
  });

  it('redacts secrets at the top level, nested, and in headers', () => {
    const { logger, lines } = captureLogger();
    logger.info(
      {
        password: 'hunter2',
        token: 'tok',
        refresh_token: 'rt',
        body: { password: 'p', currentPassword: 'c', newPassword: 'n', access_token: 'at' },
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1' } },
        res: { headers: { 'set-cookie': 'sid=2' } },
        deep: { inner: { token: 'x' } },
      },
      'login',
    );
    const text = JSON.stringify(lines()[0]);
    for (const secret of ['hunter2', '"tok"', '"rt"', 'Bearer abc', 'sid=1', 'sid=2', '"p"', '"c"', '"n"', '"at"', '"x"']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
  });

  it('adds the active trace and span ids', () => {
    const span = trace.getTracer('t').startSpan('op');
    const { logger, lines } = captureLogger();
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    const [inside, outside] = lines();
    expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('marks security events', () => {
    const { logger, lines } = captureLogger();
    logSecurityEvent(logger, 'auth_failure', { user_id: 'u1', client_ip: '127.0.0.1' });
    expect(lines()[0]).toMatchObject({ event_type: 'auth_failure', security: true, user_id: 'u1' });
  });
});
