import type { NatsConnection } from '@nats-io/transport-node';
import { waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, PHONE_UA, dropSchema, natsConnection, readStream, registerAndLogin, startApi, type Api } from './harness.js';

let api: Api;
let shortGrace: Api;
let nc: NatsConnection;

beforeAll(async () => {
  // A grace period long enough that 20 serialized rotations fit in it on a busy machine: the
  // concurrency test is about locking, the grace boundary has its own test (shortGrace).
  api = await startApi({ REFRESH_GRACE_SECONDS: '60' });
  shortGrace = await startApi({ REFRESH_GRACE_SECONDS: '1' }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
  nc = await natsConnection();
});
afterAll(async () => {
  await nc?.close();
  await shortGrace?.stop();
  await api?.stop();
  if (api) await dropSchema(api);
});

const refresh = (target: Api, token: string, ua = PHONE_UA) => target.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: token }, ua });
const live = (familyId: string) => api.sql<{ id: string; token_type: string }>(`select id, token_type from $schema.auth_tokens where family_id = $1 and status = 'ACTIVE' order by created_at`, [familyId]);
const familyOf = async (userId: string) => (await api.sql('select distinct family_id from $schema.auth_tokens where user_id = $1', [userId])).map((r) => r.family_id as string);

async function streamEventsOf(userId: string) {
  const messages = await readStream(nc, api.topology.streams.tokenEvents.name);
  return messages.filter((m) => m.data.userId === userId);
}

describe('refresh rotation', () => {
  it('rotates: a new pair in the same family, the old refresh token spent and linked to its successor', async () => {
    const s = await registerAndLogin(api);
    const r = await refresh(api, s.refresh);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.refresh_token).not.toBe(s.refresh);
    const [family] = await familyOf(s.userId);
    const rows = await api.sql('select id, token_type, status, revocation_reason, successor_token_id, parent_token_id from $schema.auth_tokens where family_id = $1 order by created_at, token_type desc', [family]);
    const [oldRefresh, , newRefresh] = rows;
    expect(oldRefresh).toMatchObject({ token_type: 'REFRESH', status: 'REVOKED', revocation_reason: 'rotated', successor_token_id: newRefresh!.id });
    expect(newRefresh).toMatchObject({ token_type: 'REFRESH', status: 'ACTIVE', parent_token_id: oldRefresh!.id });
    // The previous access token lives on until it expires; the new one is in the same session.
    expect((await live(family!)).map((t) => t.token_type).sort()).toEqual(['ACCESS', 'ACCESS', 'REFRESH']);
    const issued = await waitFor(async () => {
      const events = await streamEventsOf(s.userId);
      return events.filter((e) => e.data.type === 'TokenIssued').length === 4 ? events : null;
    }, { what: 'four TokenIssued on the stream' });
    expect(issued.at(-1)!.data.data).toMatchObject({ tokenType: 'REFRESH', parentTokenId: oldRefresh!.id, familyId: family });
    expect(issued.every((m) => m.msgId === m.data.id)).toBe(true);
  });

  it('refuses an unknown token and a live token from another device, with the same 401', async () => {
    const s = await registerAndLogin(api);
    const unknown = await refresh(api, 'x'.repeat(43));
    const foreign = await refresh(api, s.refresh, LAPTOP_UA);
    expect(unknown.status).toBe(401);
    expect(foreign.status).toBe(401);
    expect(foreign.body.code).toBe('invalid_token');
    expect(foreign.body.detail).toBe(unknown.body.detail);
    // The rightful device still refreshes: a device mismatch is refused, not treated as theft.
    expect((await refresh(api, s.refresh)).status).toBe(200);
  });

  it('20 concurrent refreshes of one token from one device leave exactly one live successor and raise no alarm', async () => {
    const s = await registerAndLogin(api);
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(api, s.refresh)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const [family] = await familyOf(s.userId);
    const liveRefresh = (await live(family!)).filter((t) => t.token_type === 'REFRESH');
    expect(liveRefresh).toHaveLength(1);
    // The one survivor is what one of the answers carried.
    const [row] = await api.sql('select token_hash from $schema.auth_tokens where id = $1', [liveRefresh[0]!.id]);
    const { sha256Hex } = await import('../src/secrets/tokens.js');
    expect(results.filter((r) => sha256Hex(r.body.refresh_token) === row!.token_hash)).toHaveLength(1);
    expect(await api.sql(`select 1 from $schema.token_events where user_id = $1 and type = 'TokenReuseDetected'`, [s.userId])).toHaveLength(0);
    expect(await api.sql(`select 1 from $schema.auth_tokens where family_id = $1 and revocation_reason = 'refresh token reuse detected'`, [family])).toHaveLength(0);

    // The same token from another device, even within the grace period, is theft: the family dies.
    const stolen = await refresh(api, s.refresh, LAPTOP_UA);
    expect(stolen.status).toBe(401);
    expect(await live(family!)).toEqual([]);
    const events = await waitFor(async () => {
      const e = await streamEventsOf(s.userId);
      return e.some((m) => m.data.type === 'TokenReuseDetected') ? e : null;
    }, { what: 'TokenReuseDetected on the stream' });
    const reuse = events.find((m) => m.data.type === 'TokenReuseDetected')!;
    expect(reuse.data.data).toMatchObject({ familyId: family, userAgent: LAPTOP_UA });
    expect(reuse.subject).toBe(api.topology.tokenEventSubject('TokenReuseDetected', s.userId));
  });

  it('a rotated token reused after the grace period revokes the whole family, each live member by event', async () => {
    const s = await registerAndLogin(shortGrace);
    const r1 = await refresh(shortGrace, s.refresh);
    expect(r1.status).toBe(200);
    const [family] = await familyOf(s.userId);
    const liveBefore = await live(family!);
    expect(liveBefore).toHaveLength(3);

    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const replay = await refresh(shortGrace, s.refresh);
    expect(replay.status).toBe(401);
    expect(await live(family!)).toEqual([]);
    // The successor the thief never saw is dead too.
    expect((await refresh(shortGrace, r1.body.refresh_token)).status).toBe(401);

    const events = await waitFor(async () => {
      const e = await streamEventsOf(s.userId);
      return e.filter((m) => m.data.type === 'TokenRevoked').length === 3 ? e : null;
    }, { what: 'three TokenRevoked on the stream' });
    expect(events.filter((m) => m.data.type === 'TokenReuseDetected')).toHaveLength(1);
    const revoked = events.filter((m) => m.data.type === 'TokenRevoked').map((m) => m.data.data);
    expect(revoked.map((d) => d.tokenId).sort()).toEqual(liveBefore.map((t) => t.id).sort());
    expect(new Set(revoked.map((d) => d.reason))).toEqual(new Set(['refresh token reuse detected']));
    expect(shortGrace.logs().some((l) => l.event_type === 'token_reuse_detected' && l.user_id === s.userId)).toBe(true);
  });

  it('a same-device retry within the grace period gets a fresh pair and kills the pair it replaces', async () => {
    const s = await registerAndLogin(api);
    const first = await refresh(api, s.refresh);
    const retry = await refresh(api, s.refresh);
    expect(retry.status).toBe(200);
    // The earlier successor's access token no longer works on token-api; its refresh token is spent.
    expect((await api.call('POST', '/api/v1/auth/logout', { token: first.body.access_token })).status).toBe(401);
    expect((await refresh(api, retry.body.refresh_token)).status).toBe(200);
  });
});
