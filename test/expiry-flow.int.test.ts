import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { revokedTokenKey } from '@tessera/contracts';
import { ensureBucket, Topology } from '@tessera/platform';
import { queryTestDatabase, testNatsUrl, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './support/client.js';
import { TestSocket } from './support/sockets.js';
import { startSystem, type TestSystem } from './support/system.js';

/*
 * Issue 8 end to end, every service in this process, nothing published by hand: a real login's
 * refresh token reaches its expiry → the sweeper emits exactly one TokenExpired → token-api's
 * record turns EXPIRED → a WebSocket client subscribed to that token gets TOKEN_EXPIRED → the
 * revocation service drops the token's `jti` entry.
 *
 * Lifetimes are whole minutes by contract (DESIGN §8), so the refresh token lives one minute
 * (the least token-api accepts) rather than adding a seconds override that production would
 * carry too. The access token lives two: the socket authenticated with it outlives the refresh
 * token, so the TOKEN_EXPIRED it receives can only come from the event — the notifier's own
 * timer ends a socket only at the socket's own token's expiry. The two tests run concurrently and
 * share the one-minute wait; the rest of the suite runs in other files meanwhile.
 */
const LIFETIMES = { REFRESH_TOKEN_EXPIRE_MINUTES: '1', ACCESS_TOKEN_EXPIRE_MINUTES: '2' };
const TEST_TIMEOUT_MS = 150_000;
const PASSWORD = 'correct horse battery';

let system: TestSystem;
let api: ApiClient;
let nc: NatsConnection;
let jsm: JetStreamManager;
let topology: Topology;

beforeAll(async () => {
  system = await startSystem({ env: LIFETIMES });
  api = new ApiClient(system.url['token-api']);
  nc = await connect({ servers: testNatsUrl() });
  jsm = await jetstreamManager(nc);
  topology = new Topology({ namespace: system.namespace, eventsMaxAgeMs: 86_400_000 });
});
afterAll(async () => {
  await nc?.close();
  await system?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** token-api's schema in this system (test/support/system.ts names it after the namespace). */
const tokenApiSchema = () => `t_sys_${system.namespace.slice('sys'.length)}_token_api`;

async function tokenRows(familyId: string): Promise<Array<{ id: string; token_type: string; status: string; expires_at: Date }>> {
  return queryTestDatabase(`select id, token_type, status, expires_at from ${tokenApiSchema()}.auth_tokens where family_id = $1 order by token_type`, [familyId]);
}

async function newSession() {
  const email = `expiry-${uniqueSuffix()}@example.com`;
  const { id: userId } = await api.register(email, PASSWORD);
  const pair = await api.login(email, PASSWORD);
  const { jti, sid } = decodeJwt(pair.access_token) as { jti: string; sid: string };
  const rows = await tokenRows(sid);
  expect(rows.map((r) => [r.token_type, r.status])).toEqual([
    ['ACCESS', 'ACTIVE'],
    ['REFRESH', 'ACTIVE'],
  ]);
  const refresh = rows.find((r) => r.token_type === 'REFRESH')!;
  return { userId, pair, accessId: jti, familyId: sid, refreshId: refresh.id, refreshExpiresAt: refresh.expires_at };
}

/** TokenExpired messages in the stream for the user (one subject per event type and user). */
async function expiredCount(userId: string): Promise<number> {
  const subject = topology.tokenEventSubject('TokenExpired', userId);
  const info = await jsm.streams.info(topology.streams.tokenEvents.name, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

describe.concurrent('a token reaching its expiry', () => {
  it(
    'yields one TokenExpired, an EXPIRED record, TOKEN_EXPIRED on the socket and no jti entry',
    async ({ expect }) => {
      const s = await newSession();
      const socket = await TestSocket.open(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { token: s.pair.access_token, userAgent: api.userAgent });
      socket.send({ type: 'SUBSCRIBE', userId: s.userId, tokenId: s.refreshId });
      await socket.next('SUBSCRIBED');

      // A revocation that raced the expiry would have left `jti.<id>`; the API cannot produce that
      // race on demand, so the entry is written as the revocation service writes it. Written
      // shortly before the expiry: the bucket's max_age (the refresh lifetime, 1 min here)
      // cannot be what removes it by the time it is checked.
      await sleep(Math.max(0, s.refreshExpiresAt.getTime() - 10_000 - Date.now()));
      const kv = await ensureBucket(nc, { name: topology.revocationsBucket, maxAgeMs: 60_000 });
      const key = revokedTokenKey(s.refreshId);
      await kv.put(key, JSON.stringify({ exp: Math.ceil(s.refreshExpiresAt.getTime() / 1000), reason: 'logout', revokedAt: Date.now() }));
      expect((await kv.get(key))?.operation).toBe('PUT');
      expect(await expiredCount(s.userId)).toBe(0);

      const pushed = await socket.next('TOKEN_EXPIRED', s.refreshExpiresAt.getTime() - Date.now() + 15_000);
      expect(pushed).toEqual({ type: 'TOKEN_EXPIRED', tokenId: s.refreshId, userId: s.userId, at: s.refreshExpiresAt.toISOString() });
      expect(Date.now()).toBeGreaterThanOrEqual(s.refreshExpiresAt.getTime());
      // Not the socket's own token: it stays open.
      expect(socket.closed).toBeNull();

      const event = await jsm.streams.getMessage(topology.streams.tokenEvents.name, { last_by_subj: topology.tokenEventSubject('TokenExpired', s.userId) });
      expect(event?.json()).toMatchObject({ type: 'TokenExpired', userId: s.userId, data: { tokenId: s.refreshId, tokenType: 'REFRESH' } });
      await waitFor(async () => (await tokenRows(s.familyId)).find((r) => r.id === s.refreshId)?.status === 'EXPIRED', { what: 'the record EXPIRED' });
      await waitFor(async () => (await kv.get(key))?.operation !== 'PUT', { what: 'the jti entry deleted' });

      // Sweeps keep running every 200 ms: still exactly one, and the access token (two-minute
      // lifetime) untouched.
      await sleep(2_000);
      expect(await expiredCount(s.userId)).toBe(1);
      expect((await tokenRows(s.familyId)).map((r) => [r.token_type, r.status])).toEqual([
        ['ACCESS', 'ACTIVE'],
        ['REFRESH', 'EXPIRED'],
      ]);
      socket.send({ type: 'PING' });
      await socket.next('PONG');
      socket.close();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'after a logout yields no TokenExpired and the records stay REVOKED',
    async ({ expect }) => {
      const s = await newSession();
      expect((await api.call('POST', '/api/v1/auth/logout', { token: s.pair.access_token })).status).toBe(204);
      await waitFor(async () => (await tokenRows(s.familyId)).every((r) => r.status === 'REVOKED'), { what: 'the session revoked' });

      await sleep(Math.max(0, s.refreshExpiresAt.getTime() + 3_000 - Date.now()));
      expect(await expiredCount(s.userId)).toBe(0);
      expect((await tokenRows(s.familyId)).map((r) => r.status)).toEqual(['REVOKED', 'REVOKED']);
    },
    TEST_TIMEOUT_MS,
  );
});
