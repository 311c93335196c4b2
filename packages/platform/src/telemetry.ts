import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { NodeSDK } from '@opentelemetry/sdk-node';

export { SpanKind } from '@opentelemetry/api';

/**
 * Starts the OpenTelemetry SDK when the operator asked for it through the standard variables
 * (`OTEL_TRACES_EXPORTER`, `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and
 * did not set `OTEL_SDK_DISABLED=true`. Off otherwise: the API calls below are then no-ops and
 * cost nothing on the hot path.
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): { shutdown(): Promise<void> } | null {
  const requested = Boolean(env.OTEL_TRACES_EXPORTER || env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (!requested || env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return null;
  env.OTEL_SERVICE_NAME ??= serviceName;
  // Metrics go to Prometheus (/metrics) and logs to stdout (pino): the SDK exports traces only,
  // unless the operator asks for more.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({ serviceName: env.OTEL_SERVICE_NAME });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

export function getTracer(name = 'tessera'): Tracer {
  return trace.getTracer(name);
}

/**
 * Runs `fn` inside a span named after the operation: records an exception and an error status
 * when `fn` throws, and always ends the span.
 */
export async function withSpan<T>(
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; parent?: Context; tracer?: Tracer },
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  const tracer = options.tracer ?? getTracer();
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The minimal header surface we need from NATS `MsgHdrs` (and anything like it). */
export interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
  has(key: string): boolean;
}

const setter: TextMapSetter<HeaderCarrier> = { set: (carrier, key, value) => carrier.set(key, value) };
const getter: TextMapGetter<HeaderCarrier | undefined> = {
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
  keys: () => ['traceparent', 'tracestate'],
};

/*
 * NATS has no OpenTelemetry instrumentation, so the W3C context travels in message headers.
 * We use the W3C propagator directly rather than the global one: the header format on the bus is
 * part of our contract and must not change when an operator configures another propagator (B3,
 * Jaeger) for HTTP.
 */
const w3c = new W3CTraceContextPropagator();

/** Writes `traceparent`/`tracestate` of `ctx` (default: the active context) into `headers`. */
export function injectTraceContext(headers: HeaderCarrier, ctx: Context = context.active()): void {
  w3c.inject(ctx, headers, setter);
}

/** Returns a context whose parent is the span described by the message headers (if any). */
export function extractTraceContext(headers: HeaderCarrier | undefined, ctx: Context = context.active()): Context {
  return w3c.extract(ctx, headers, getter);
}

export { context, propagation, trace };
