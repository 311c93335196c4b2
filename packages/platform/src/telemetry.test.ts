import { headers } from '@nats-io/transport-node';
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { installTestTracing } from './testing/tracing.js';
import { extractTraceContext, injectTraceContext, withSpan } from './telemetry.js';

installTestTracing();

describe('trace context over NATS headers', () => {
  it('injects the active span into headers and extracts it on the other side', () => {
    const span = trace.getTracer('t').startSpan('publish');
    const h = headers();
    context.with(trace.setSpan(context.active(), span), () => injectTraceContext(h));
    expect(h.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const extracted = trace.getSpanContext(extractTraceContext(h));
    expect(extracted?.traceId).toBe(span.spanContext().traceId);
    expect(extracted?.spanId).toBe(span.spanContext().spanId);
    expect(extracted?.isRemote).toBe(true);
  });

  it('extracts nothing from a message without trace headers', () => {
    expect(trace.getSpanContext(extractTraceContext(headers()))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
  });
});

describe('withSpan', () => {
  it('records exceptions and always ends the span', async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('t');
    await expect(withSpan('boom', { tracer }, () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    expect(await withSpan('ok', { tracer, attributes: { 'tessera.token_id': 't1' } }, () => 42)).toBe(42);
    const [boom, ok] = exporter.getFinishedSpans();
    expect(boom?.name).toBe('boom');
    expect(boom?.status.code).toBe(2);
    expect(boom?.events[0]?.name).toBe('exception');
    expect(ok?.attributes['tessera.token_id']).toBe('t1');
  });
});
