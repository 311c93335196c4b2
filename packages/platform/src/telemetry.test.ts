import { spawnSync } from 'node:child_process';
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

describe('startTelemetry', () => {
  const run = (env: Record<string, string>) => {
    const script = `
      import { startTelemetry, withSpan } from ${JSON.stringify(new URL('./telemetry.ts', import.meta.url).pathname)};
      const sdk = startTelemetry('telemetry-test');
      console.log('sdk:' + (sdk ? 'on' : 'off'));
      await withSpan('tessera.test.operation', { attributes: { 'tessera.user_id': 'u1' } }, () => 1);
      await sdk?.shutdown();
    `;
    const { OTEL_TRACES_EXPORTER: _a, OTEL_EXPORTER_OTLP_ENDPOINT: _b, ...clean } = process.env;
    return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...clean, ...env } });
  };

  it('is off when no OTEL_* exporter is configured', () => {
    const result = run({});
    expect(result.stdout).toContain('sdk:off');
    expect(result.stdout).not.toContain('tessera.test.operation');
  });

  it('starts from the standard variables and exports spans', () => {
    const result = run({ OTEL_TRACES_EXPORTER: 'console' });
    expect(result.stdout).toContain('sdk:on');
    expect(result.stdout).toContain("name: 'tessera.test.operation'");
    expect(result.stdout).toContain("'service.name': 'telemetry-test'");
  });
});
