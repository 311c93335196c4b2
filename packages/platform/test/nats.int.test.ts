import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createConsumerMetrics, createRegistry, DLQ_HEADERS, ensureConsumer, ensureStream, publishJson, runBatchConsumer, runConsumer, type ParsedMessage } from '../src/index.js';
import { captureLogger, installTestTracing, testNatsUrl, uniqueSuffix, waitFor } from '../src/testing/index.js';

const spans = installTestTracing();
const Payload = z.strictObject({ n: z.number().int(), occurredAt: z.string().optional() });
type Payload = z.infer<typeof Payload>;

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
const id = uniqueSuffix();
const stream = `T_EVENTS_${id}`;
const dlqStream = `T_DLQ_${id}`;
const subjectRoot = `t${id}`;
const dlqSubject = `${subjectRoot}dlq.test`;

beforeAll(async () => {
  nc = await connect({ servers: testNatsUrl() });
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureStream(jsm, { name: stream, subjects: [`${subjectRoot}.>`], maxAgeMs: 60_000 });
  await ensureStream(jsm, { name: dlqStream, subjects: [`${subjectRoot}dlq.>`], maxAgeMs: 60_000 });
});

afterAll(async () => {
  await jsm.streams.delete(stream).catch(() => {});
  await jsm.streams.delete(dlqStream).catch(() => {});
  await nc.close();
});

async function newConsumer(filter: string, maxDeliver = 10): Promise<string> {
  const durable = `c_${uniqueSuffix()}`;
  await ensureConsumer(jsm, { stream, durable, filterSubjects: [filter], maxDeliver, ackWaitMs: 2_000 });
  return durable;
}

async function dlqMessages(): Promise<Array<{ subject: string; reason: string; data: string; consumer: string }>> {
  const info = await jsm.streams.info(dlqStream);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(dlqStream, { seq });
    if (!m) continue;
    out.push({
      subject: m.header.get(DLQ_HEADERS.subject),
      reason: m.header.get(DLQ_HEADERS.reason),
      consumer: m.header.get(DLQ_HEADERS.consumer),
      data: new TextDecoder().decode(m.data),
    });
  }
  return out;
}

describe('provisioning', () => {
  it('is idempotent and converges an existing stream to the spec', async () => {
    await ensureStream(jsm, { name: stream, subjects: [`${subjectRoot}.>`], maxAgeMs: 60_000 });
    await ensureStream(jsm, { name: stream, subjects: [`${subjectRoot}.>`], maxAgeMs: 120_000 });
    expect((await jsm.streams.info(stream)).config.max_age).toBe(120_000 * 1_000_000);
    const durable = await newConsumer(`${subjectRoot}.x.>`);
    await ensureConsumer(jsm, { stream, durable, filterSubjects: [`${subjectRoot}.x.>`], maxDeliver: 7 });
    expect((await jsm.consumers.info(stream, durable)).config.max_deliver).toBe(7);
  });
});

describe('publishJson', () => {
  it('lands a message once when published twice with the same Nats-Msg-Id', async () => {
    const subject = `${subjectRoot}.dedupe.one`;
    const first = await publishJson(js, subject, { n: 1 }, { msgId: `dup-${id}` });
    const second = await publishJson(js, subject, { n: 1 }, { msgId: `dup-${id}` });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    const info = await jsm.streams.info(stream, { subjects_filter: subject });
    expect(info.state.subjects?.[subject]).toBe(1);
  });
});

describe('runConsumer', () => {
  it('acks after the handler and carries the trace context from publisher to handler', async () => {
    const durable = await newConsumer(`${subjectRoot}.ok.>`);
    const seen: Array<{ n: number; traceId: string | undefined }> = [];
    const { logger } = captureLogger();
    const running = await runConsumer({
      js, stream, durable, dlqSubject, maxAttempts: 3, logger, parse: (d) => Payload.safeParse(d),
      handle: async (event: Payload) => {
        seen.push({ n: event.n, traceId: trace.getActiveSpan()?.spanContext().traceId });
      },
    });
    const publisher = trace.getTracer('test').startSpan('publish');
    await trace.getTracer('test').startActiveSpan('publish', async (span) => {
      await publishJson(js, `${subjectRoot}.ok.a`, { n: 1 }, { msgId: `ok1-${id}` });
      span.end();
    });
    publisher.end();
    await publishJson(js, `${subjectRoot}.ok.a`, { n: 2 }, { msgId: `ok2-${id}` });
    await waitFor(() => seen.length === 2, { what: 'two messages handled' });
    await running.stop();

    const publishSpan = spans.getFinishedSpans().find((s) => s.name === 'publish' && s.spanContext().spanId !== publisher.spanContext().spanId);
    expect(seen[0]?.traceId).toBe(publishSpan?.spanContext().traceId);
    const consumerSpan = spans.getFinishedSpans().find((s) => s.name === `${durable} process` && s.spanContext().traceId === publishSpan?.spanContext().traceId);
    expect(consumerSpan?.parentSpanContext?.spanId).toBe(publishSpan?.spanContext().spanId);
    expect((await jsm.consumers.info(stream, durable)).num_ack_pending).toBe(0);
  });

  it('dead-letters a message that fails validation and never redelivers it', async () => {
    const durable = await newConsumer(`${subjectRoot}.poison.>`);
    const handled: number[] = [];
    const { logger } = captureLogger();
    const registry = createRegistry('test');
    const running = await runConsumer({
      js, stream, durable, dlqSubject, maxAttempts: 3, logger, metrics: createConsumerMetrics(registry), parse: (d) => Payload.safeParse(d),
      handle: async (event: Payload) => void handled.push(event.n),
    });
    await js.publish(`${subjectRoot}.poison.a`, 'not json at all');
    await publishJson(js, `${subjectRoot}.poison.b`, { n: 'two' }, { msgId: `p2-${id}` });
    await publishJson(js, `${subjectRoot}.poison.c`, { n: 3 }, { msgId: `p3-${id}` });
    await waitFor(() => handled.includes(3), { what: 'the good message after the poison ones' });
    const dead = await waitFor(async () => {
      const all = (await dlqMessages()).filter((m) => m.consumer === durable);
      return all.length === 2 ? all : null;
    }, { what: 'two dead letters' });
    expect(dead.map((d) => d.reason)).toEqual(['invalid_message', 'invalid_message']);
    expect(dead.map((d) => d.subject)).toEqual([`${subjectRoot}.poison.a`, `${subjectRoot}.poison.b`]);
    expect(dead[0]?.data).toBe('not json at all');

    // Terminated: after the ack wait (2 s) nothing comes back, the consumer has nothing pending.
    await new Promise((r) => setTimeout(r, 2_500));
    const info = await jsm.consumers.info(stream, durable);
    expect(info.num_pending + info.num_ack_pending + info.num_redelivered).toBe(0);
    expect(handled).toEqual([3]);
    expect(await registry.getSingleMetricAsString('consumer_messages_total')).toMatch(/outcome="dead_lettered",service="test"} 2/);
    await running.stop();
  });

  it('dead-letters a valid message published on a subject its payload does not belong on', async () => {
    const durable = await newConsumer(`${subjectRoot}.subj.>`);
    const handled: number[] = [];
    const { logger } = captureLogger();
    const running = await runBatchConsumer({
      js, stream, durable, dlqSubject, maxAttempts: 3, logger, parse: (d) => Payload.safeParse(d),
      expectedSubject: (p: Payload) => `${subjectRoot}.subj.${p.n}`,
      handleBatch: async (items: ParsedMessage<Payload>[]) => void handled.push(...items.map((i) => i.event.n)),
    });
    await publishJson(js, `${subjectRoot}.subj.1`, { n: 1 }, { msgId: `s1-${id}` });
    await publishJson(js, `${subjectRoot}.subj.3`, { n: 2 }, { msgId: `s2-${id}` });
    await publishJson(js, `${subjectRoot}.subj.4`, { n: 4 }, { msgId: `s4-${id}` });
    await waitFor(() => handled.includes(4), { what: 'the message after the misplaced one' });
    const dead = await waitFor(async () => {
      const all = (await dlqMessages()).filter((m) => m.consumer === durable);
      return all.length === 1 ? all : null;
    }, { what: 'one dead letter' });
    expect(dead[0]).toMatchObject({ reason: 'subject_mismatch', subject: `${subjectRoot}.subj.3` });
    expect(handled).toEqual([1, 4]);
    await running.stop();
  });

  it('retries a failing handler with backoff, then dead-letters it', async () => {
    const durable = await newConsumer(`${subjectRoot}.flaky.>`);
    const attempts = new Map<number, number>();
    const { logger } = captureLogger();
    const running = await runConsumer({
      js, stream, durable, dlqSubject, maxAttempts: 3, backoffMs: () => 50, logger, parse: (d) => Payload.safeParse(d),
      handle: async (event: Payload) => {
        const n = (attempts.get(event.n) ?? 0) + 1;
        attempts.set(event.n, n);
        if (event.n === 1) throw new Error('always fails');
        if (event.n === 2 && n < 2) throw new Error('fails once');
      },
    });
    await publishJson(js, `${subjectRoot}.flaky.a`, { n: 1 }, { msgId: `f1-${id}` });
    await publishJson(js, `${subjectRoot}.flaky.b`, { n: 2 }, { msgId: `f2-${id}` });
    await waitFor(async () => (await dlqMessages()).some((m) => m.consumer === durable), { what: 'dead letter after retries' });
    await running.stop();
    expect(attempts.get(1)).toBe(3);
    expect(attempts.get(2)).toBe(2);
    const dead = (await dlqMessages()).filter((m) => m.consumer === durable);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.reason).toBe('retries_exhausted');
  });
});

describe('runBatchConsumer', () => {
  it('hands over batches, and isolates a failing message from the rest of its batch', async () => {
    const durable = await newConsumer(`${subjectRoot}.batch.>`);
    for (let n = 0; n < 50; n++) await publishJson(js, `${subjectRoot}.batch.x`, { n }, { msgId: `b${n}-${id}` });
    const batchSizes: number[] = [];
    const done = new Set<number>();
    const { logger } = captureLogger();
    const running = await runBatchConsumer({
      js, stream, durable, dlqSubject, maxAttempts: 2, backoffMs: () => 20, batchSize: 20, logger, parse: (d) => Payload.safeParse(d),
      handleBatch: async (items: ParsedMessage<Payload>[]) => {
        batchSizes.push(items.length);
        if (items.some((i) => i.event.n === 7)) throw new Error('row 7 is bad');
        for (const i of items) done.add(i.event.n);
      },
    });
    await waitFor(async () => done.size === 49 && (await dlqMessages()).some((m) => m.consumer === durable), { what: '49 handled and one dead letter' });
    await running.stop();
    expect(done.has(7)).toBe(false);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(20);
  });

  it('gathers what arrives while a batch is in flight into the next batch, keeping order', async () => {
    const durable = await newConsumer(`${subjectRoot}.gather.>`);
    const batches: number[][] = [];
    const { logger } = captureLogger();
    const running = await runBatchConsumer({
      js, stream, durable, dlqSubject, maxAttempts: 2, batchSize: 100, logger, parse: (d) => Payload.safeParse(d),
      handleBatch: async (items: ParsedMessage<Payload>[]) => {
        batches.push(items.map((i) => i.event.n));
        await new Promise((r) => setTimeout(r, 100)); // a slow write
      },
    });
    // Trickled in one by one: without gathering, each would be a batch of its own.
    for (let n = 0; n < 60; n++) {
      await publishJson(js, `${subjectRoot}.gather.x`, { n }, { msgId: `g${n}-${id}` });
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor(() => batches.flat().length === 60, { what: 'all 60 handled' });
    await running.stop();
    expect(batches.flat()).toEqual(Array.from({ length: 60 }, (_, n) => n));
    expect(batches.length).toBeLessThan(15);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(100);
  });
});

it('headers helper is the NATS one (sanity for the carrier interface)', () => {
  const h = headers();
  h.set('a', 'b');
  expect(h.get('a')).toBe('b');
});
