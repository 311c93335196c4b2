import type { RequestHandler } from 'express';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext, getTracer, type HeaderCarrier } from '../telemetry.js';

/** Incoming HTTP headers seen through the carrier interface the W3C propagator uses. */
function requestCarrier(headers: Record<string, string | string[] | undefined>): HeaderCarrier {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return {
    get: (key) => first(headers[key.toLowerCase()]) ?? '',
    has: (key) => first(headers[key.toLowerCase()]) !== undefined,
    set: () => {},
  };
}

/**
 * One SERVER span per request, child of the caller's `traceparent` if any, active while the
 * request is handled: everything the handler does — the outbox rows it writes, which keep the
 * context for the relay — joins the request's trace. Named after the route template once known.
 * Probes (health, metrics) are not traced. No-op spans when the SDK is off.
 */
export function tracingMiddleware(untraced: ReadonlySet<string>): RequestHandler {
  const tracer = getTracer('tessera-http');
  return (req, res, next) => {
    if (untraced.has(req.path)) return next();
    const parent = extractTraceContext(requestCarrier(req.headers), context.active());
    const span = tracer.startSpan(`${req.method} ${req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
    res.on('finish', () => {
      const template = req.route?.path;
      if (typeof template === 'string') {
        span.updateName(`${req.method} ${req.baseUrl}${template}`);
        span.setAttribute('http.route', `${req.baseUrl}${template}`);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
