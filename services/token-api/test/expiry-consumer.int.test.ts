import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS, createTokenEvent, type TokenType } from '@tessera/contracts';
import { DLQ_HEADERS, publishJson } from '@tessera/platform';
import { deleteNatsNamespace, startNatsServer, waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, dropSchema, natsConnection, registerAndLogin, startApi, type Api } from './harness.js';

/*
 * The `token-api-expiry` durable consumer against the real PostgreSQL and NATS: TokenExpired
 * events are published the way the sweeper publishes them, and the token records are read back.
 */
const DURABLE = CONSUMERS.tokenApiExpiry.durable;
let api: Api;
let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  api = await startApi();
  nc = await natsConnection();
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await waitFor(() => jsm.consumers.info(api.topology.streams.tokenEvents.name, DURABLE), { what: 'the token-api-expiry durable', timeoutMs: 15_000 });
});
afterAll(async () => {
  await api?.stop();
  if (api) {
    await dropSchema(api);
    await deleteNatsNamespace(api.config.NATS_NAMESPACE);
  }
  await nc?.close();
});

type TokenRow = {
  id: string;
  status: string;
  token_type: TokenType;
  user_id: string;
  expires_at: Date;
  revoked: boolean;
  revocation_reason: string | null;
  revoked_at: Date | null;
  successor_token_id: string | null;
  last_used_at: Date | null;
};

const row = async (id: string) => (await api.sql<TokenRow>('select * from $schema.auth_tokens where id = $1', [id]))[0];

/** The access token's row and its session's refresh token row, from a real login. */
async function loggedIn() {
  const session = await registerAndLogin(api);
  const { jti, sid } = decodeJwt(session.access) as { jti: string; sid: string };
  const [refresh] = await api.sql<{ id: string }>(`select id from $schema.auth_tokens where family_id = $1 and token_type = 'REFRESH'`, [sid]);
  return { ...session, accessId: jti, refreshId: refresh!.id };
}

/** A TokenExpired as the sweeper emits it (Nats-Msg-Id `expired:<tokenId>`, unless told otherwise). */
function expiredEvent(token: { id: string; user_id: string; token_type: TokenType; expires_at: Date }, expiresAt = token.expires_at) {
  return createTokenEvent('TokenExpired', {
    id: uuidv7({ msecs: expiresAt.getTime() }),
    occurredAt: expiresAt.toISOString(),
    userId: token.user_id,
    actor: { kind: 'system', id: 'sweeper' },
    data: { tokenId: token.id, tokenType: token.token_type, expiresAt: expiresAt.toISOString() },
  });
}

async function publish(event: ReturnType<typeof expiredEvent>, msgId = `expired:${event.data.tokenId}`) {
  await publishJson(js, api.topology.tokenEventSubject('TokenExpired', event.userId), event, { msgId });
}

/** Every message of the stream delivered to the durable and acknowledged. */
async function settled() {
  await waitFor(
    async () => {
      const info = await jsm.consumers.info(api.topology.streams.tokenEvents.name, DURABLE);
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
    },
    { what: 'the expiry consumer caught up', timeoutMs: 15_000 },
  );
}

const metric = async (name: string, labels: string) => {
  const text = (await api.call('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('token-api-expiry', () => {
  it('turns an ACTIVE record EXPIRED, and the same event again changes nothing', async () => {
    const { refreshId, accessId } = await loggedIn();
    const before = (await row(refreshId))!;
    expect(before.status).toBe('ACTIVE');
    const unchangedBefore = await metric('token_expiry_events_total', 'outcome="unchanged"');

    const event = expiredEvent(before);
    await publish(event);
    await waitFor(async () => (await row(refreshId))?.status === 'EXPIRED', { what: 'the refresh token EXPIRED' });
    const after = (await row(refreshId))!;
    expect(after).toEqual({ ...before, status: 'EXPIRED' });
    // Only the token the event names.
    expect((await row(accessId))?.status).toBe('ACTIVE');

    // Redelivered after the stream's duplicate window (another Nats-Msg-Id): a no-op.
    await publish(event, `redelivered:${event.id}`);
    await settled();
    expect(await row(refreshId)).toEqual(after);
    expect(await metric('token_expiry_events_total', 'outcome="unchanged"')).toBe(unchangedBefore + 1);
  });

  it('leaves revoked records REVOKED with their reason, so reuse of a rotated refresh token is still detected', async () => {
    const session = await loggedIn();
    const rotated = await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: session.refresh } });
    expect(rotated.status).toBe(200);
    const second = await loggedIn();
    expect((await api.call('POST', '/api/v1/auth/logout', { token: second.access })).status).toBe(204);

    const spent = (await row(session.refreshId))!;
    const loggedOut = (await row(second.accessId))!;
    expect([spent.status, spent.revocation_reason]).toEqual(['REVOKED', 'rotated']);
    expect([loggedOut.status, loggedOut.revocation_reason]).toEqual(['REVOKED', 'logout']);

    await publish(expiredEvent(spent));
    await publish(expiredEvent(loggedOut));
    await settled();
    expect(await row(session.refreshId)).toEqual(spent);
    expect(await row(second.accessId)).toEqual(loggedOut);

    // The spent token presented again (from another device, so not a lost-response retry) is
    // still theft: the family's live tokens are revoked.
    const reuse = await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: session.refresh }, ua: LAPTOP_UA });
    expect(reuse.status).toBe(401);
    const family = await api.sql<{ status: string }>(`select status from $schema.auth_tokens where family_id = (select family_id from $schema.auth_tokens where id = $1)`, [session.refreshId]);
    expect(family.map((t) => t.status)).not.toContain('ACTIVE');
    expect(api.logs().some((l) => l.event_type === 'token_reuse_detected')).toBe(true);
  });

  it('does not end a record whose expiry is later than the event says', async () => {
    const { accessId } = await loggedIn();
    const before = (await row(accessId))!;
    await publish(expiredEvent(before, new Date(before.expires_at.getTime() - 1)));
    await settled();
    expect(await row(accessId)).toEqual(before);
  });

  it('acks events about unknown tokens, and dead-letters a malformed one without stalling', async () => {
    const userId = randomUUID();
    await publish(expiredEvent({ id: randomUUID(), user_id: userId, token_type: 'ACCESS', expires_at: new Date() }));
    const malformed = { ...expiredEvent({ id: randomUUID(), user_id: userId, token_type: 'ACCESS', expires_at: new Date() }), data: { tokenType: 'ACCESS' } };
    await publishJson(js, api.topology.tokenEventSubject('TokenExpired', userId), malformed, { msgId: `malformed:${malformed.id}` });
    // Behind the bad message, a good one still gets through.
    const { refreshId } = await loggedIn();
    await publish(expiredEvent((await row(refreshId))!));
    await waitFor(async () => (await row(refreshId))?.status === 'EXPIRED', { what: 'the event behind the malformed one' });
    await settled();

    const dlqSubject = api.topology.dlqSubject(DURABLE);
    const dead = await waitFor(() => jsm.streams.getMessage(api.topology.streams.dlq.name, { last_by_subj: dlqSubject }), { what: 'the dead letter' });
    expect(dead.header.get(DLQ_HEADERS.reason)).toBe('invalid_message');
    expect(JSON.parse(dead.string()).id).toBe(malformed.id);
    const info = await jsm.streams.info(api.topology.streams.dlq.name, { subjects_filter: dlqSubject });
    expect(info.state.subjects?.[dlqSubject]).toBe(1);
  });

  it('marks many expiries in batches, each once', async () => {
    const [user] = await api.sql<{ id: string }>(
      `insert into $schema.users (id, email, password_hash, role, created_at, updated_at) values (gen_random_uuid(), $1, 'x', 'user', now(), now()) returning id`,
      [`bulk-${randomUUID()}@example.com`],
    );
    const expiresAt = new Date(Date.now() - 1_000);
    const tokens = await api.sql<TokenRow>(
      `insert into $schema.auth_tokens (id, user_id, email, token_hash, token_type, status, family_id, scopes, fingerprint, client_ip, user_agent, expires_at, created_at)
       select gen_random_uuid(), $1, 'bulk@example.com', md5(random()::text) || g, 'ACCESS', 'ACTIVE', gen_random_uuid(), '{READ_PROFILE}', 'fp', '203.0.113.9', 'ua', $2, now() - interval '15 minutes'
       from generate_series(1, 600) g returning *`,
      [user!.id, expiresAt],
    );
    const expiredBefore = await metric('token_expiry_events_total', 'outcome="expired"');
    await Promise.all(tokens.map((t) => publish(expiredEvent(t))));
    // Half of them a second time, as after a redelivery.
    await Promise.all(tokens.slice(0, 300).map((t) => publish(expiredEvent(t), `again:${t.id}`)));
    await settled();
    const statuses = await api.sql<{ status: string; n: number }>(`select status, count(*)::int as n from $schema.auth_tokens where user_id = $1 group by status`, [user!.id]);
    expect(statuses).toEqual([{ status: 'EXPIRED', n: 600 }]);
    expect(await metric('token_expiry_events_total', 'outcome="expired"')).toBe(expiredBefore + 600);
    expect(await metric('consumer_messages_total', `consumer="${DURABLE}",outcome="acked"`)).toBeGreaterThanOrEqual(900);
  });

  it('publishes the durable\'s lag for Prometheus', async () => {
    const { refreshId } = await loggedIn();
    await publish(expiredEvent((await row(refreshId))!));
    await settled();
    // Polled from the server every 5 s: present, and back at zero once the durable caught up.
    const text = async () => (await api.call('GET', '/metrics')).text;
    await waitFor(async () => /^consumer_pending_messages\{[^}]*consumer="token-api-expiry"[^}]*\} 0$/m.test(await text()), { what: 'the lag gauge at 0', timeoutMs: 12_000 });
    expect(await text()).toMatch(/^dlq_messages\{[^}]*consumer="token-api-expiry"[^}]*\} \d+$/m);
  });
});

describe('without NATS', () => {
  it('is ready while NATS is down, and starts consuming once NATS is up', async () => {
    const nats = await startNatsServer();
    await nats.stop();
    const offline = await startApi({ NATS_URL: nats.url });
    let own: NatsConnection | undefined;
    try {
      expect((await offline.call('GET', '/health/ready')).status).toBe(200);
      const session = await registerAndLogin(offline);
      const { sid } = decodeJwt(session.access) as { sid: string };
      const [refresh] = await offline.sql<TokenRow>(`select * from $schema.auth_tokens where family_id = $1 and token_type = 'REFRESH'`, [sid]);

      await nats.start();
      own = await natsConnection(nats.url);
      const ownJsm = await jetstreamManager(own);
      await waitFor(() => ownJsm.consumers.info(offline.topology.streams.tokenEvents.name, DURABLE), { what: 'the durable provisioned after NATS came up', timeoutMs: 20_000 });
      const event = expiredEvent(refresh!);
      await publishJson(jetstream(own), offline.topology.tokenEventSubject('TokenExpired', event.userId), event, { msgId: `expired:${event.data.tokenId}` });
      await waitFor(async () => (await offline.sql<{ status: string }>('select status from $schema.auth_tokens where id = $1', [refresh!.id]))[0]?.status === 'EXPIRED', {
        what: 'the record EXPIRED',
        timeoutMs: 10_000,
      });
    } finally {
      await own?.close();
      await offline.stop();
      await dropSchema(offline);
      await nats.dispose();
    }
  });
});
