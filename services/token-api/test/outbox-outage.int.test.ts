import type { NatsConnection } from '@nats-io/transport-node';
import { startNatsServer, waitFor, type OwnNatsServer } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, dropSchema, natsConnection, readStream, registerAndLogin, startApi, type Api } from './harness.js';

/* This test kills NATS, so it runs its own nats-server, never the shared one. */
let nats: OwnNatsServer;
let api: Api;
/** A second replica on the same schema: both relays share the backlog with SKIP LOCKED. */
let replica: Api;
let nc: NatsConnection | undefined;

beforeAll(async () => {
  nats = await startNatsServer();
  api = await startApi({ NATS_URL: nats.url, OUTBOX_RELAY_INTERVAL_MS: '200', OUTBOX_RELAY_BATCH: '3' });
  replica = await startApi({ NATS_URL: nats.url, OUTBOX_RELAY_INTERVAL_MS: '200', OUTBOX_RELAY_BATCH: '3' }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
});
afterAll(async () => {
  await nc?.close();
  await replica?.stop();
  await api?.stop();
  if (api) await dropSchema(api);
  await nats?.dispose();
});

const health = async () => (await api.call('GET', '/health')).body as { checks: Record<string, { status: string; detail?: Record<string, unknown> }> };
const backlog = async () => (await health()).checks.outbox?.detail?.backlog as number;

describe('outbox across a NATS outage', () => {
  it('keeps login, refresh and logout working while NATS is down, then two replicas publish every event exactly once, in commit order per user', async () => {
    await waitFor(async () => (await health()).checks.nats?.status === 'UP', { what: 'token-api connected to its NATS', timeoutMs: 15_000 });
    const before = await registerAndLogin(api);
    await waitFor(async () => (await backlog()) === 0, { what: 'first events published' });

    await nats.stop();
    await waitFor(async () => (await health()).checks.nats?.status === 'DOWN', { what: 'NATS seen as down' });

    // Every command still answers while events pile up in token_events.
    const a = await api.call('POST', '/api/v1/auth/login', { body: { email: before.email, password: PASSWORD } });
    expect(a.status).toBe(200);
    const b = await registerAndLogin(replica);
    const refreshed = await replica.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect((await api.call('POST', '/api/v1/auth/logout', { token: refreshed.body.access_token })).status).toBe(204);
    expect((await replica.call('POST', '/api/v1/auth/logout', { token: b.access })).status).toBe(204);
    for (let i = 0; i < 5; i++) expect((await replica.call('POST', '/api/v1/auth/login', { body: { email: b.email, password: PASSWORD } })).status).toBe(200);
    const again = await api.call('POST', '/api/v1/auth/login', { body: { email: before.email, password: PASSWORD } });
    expect(again.status).toBe(200);

    // Ready (the API works), with the backlog visible in the detail and in the gauge.
    expect((await api.call('GET', '/health/ready')).status).toBe(200);
    const pending = await backlog();
    expect(pending).toBeGreaterThanOrEqual(2 + 2 + 2 + 3 + 2 + 10 + 2);
    expect((await api.call('GET', '/metrics')).text).toMatch(new RegExp(`^outbox_backlog\\{[^}]*\\} ${pending}$`, 'm'));

    await nats.start();
    await waitFor(async () => (await backlog()) === 0, { what: 'backlog drained after NATS returned', timeoutMs: 30_000 });

    nc = await natsConnection(nats.url);
    const stream = await readStream(nc, api.topology.streams.tokenEvents.name);
    const rows = await api.sql<{ id: string; user_id: string; sequence: number }>('select id, user_id, sequence from $schema.token_events order by sequence');
    expect(rows.length).toBeGreaterThan(pending);

    // Exactly once: every event id once in the stream, nothing else there.
    const counts = new Map<string, number>();
    for (const m of stream) counts.set(m.data.id, (counts.get(m.data.id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].sort()).toEqual(rows.map((r) => r.id).sort());
    expect(stream.every((m) => m.msgId === m.data.id)).toBe(true);

    // Commit order per user: each user's events appear in the stream in sequence order.
    for (const userId of new Set(rows.map((r) => r.user_id))) {
      const committed = rows.filter((r) => r.user_id === userId).map((r) => r.id);
      const published = stream.filter((m) => m.data.userId === userId).map((m) => m.data.id);
      expect(published).toEqual(committed);
    }
  });
});
