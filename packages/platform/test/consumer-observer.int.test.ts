import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRegistry, observeConsumer, provisionConsumer, publishJson, Topology } from '../src/index.js';
import { captureLogger, deleteNatsNamespace, testNatsUrl, uniqueSuffix, waitFor } from '../src/testing/index.js';

const namespace = `obs${uniqueSuffix()}`;
const topology = new Topology({ namespace, eventsMaxAgeMs: 60_000 });
const user = '0193a5c2-7b1e-7c3d-9f00-000000000001';
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: testNatsUrl() });
});
afterAll(async () => {
  await nc.close();
  await deleteNatsNamespace(namespace);
});

it('reports a consumer lag and its dead letters as gauges', async () => {
  await provisionConsumer(nc, topology, 'audit', { maxDeliver: 5 });
  const js = jetstream(nc);
  for (let i = 0; i < 3; i++) await publishJson(js, topology.tokenEventSubject('TokenIssued', user), { i }, { msgId: `m${i}` });
  await publishJson(js, topology.dlqSubject('audit'), { dead: true }, { msgId: 'd1' });
  await publishJson(js, topology.dlqSubject('sweeper'), { dead: true }, { msgId: 'd2' });

  const registry = createRegistry('observer-test');
  const observer = observeConsumer({ nc, topology, durable: 'audit', registry, logger: captureLogger().logger, intervalMs: 100 });
  try {
    const text = await waitFor(async () => {
      const t = await registry.metrics();
      return /dlq_messages\{consumer="audit"/.test(t) ? t : null;
    }, { what: 'both gauges' });
    expect(text).toMatch(/consumer_pending_messages\{consumer="audit",service="observer-test"\} 3/);
    expect(text).toMatch(/dlq_messages\{consumer="audit",service="observer-test"\} 1/);
  } finally {
    observer.stop();
  }
});
