// The revocation mirror and the key-rotation subscription against real nats-servers: the shared
// one for the watch, a private one for cutting NATS off.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createKeyEvent } from '@tessera/contracts';
import { ensureBucket } from '@tessera/platform';
import { startNatsServer, testNatsUrl, uniqueSuffix, waitFor, type OwnNatsServer } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, RevocationMirror, type Verifier } from '../src/index.js';
import { createTestIssuer, serveJwks } from '../src/testing/index.js';

type KV = Awaited<ReturnType<typeof ensureBucket>>;

const issuer = await createTestIssuer();
let nc: NatsConnection;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  nc = await connect({ servers: testNatsUrl() });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await nc.close();
});

async function newBucket(on: NatsConnection = nc): Promise<{ name: string; kv: KV }> {
  const name = `t${uniqueSuffix()}_REVOCATIONS`;
  const kv = await ensureBucket(on, { name, maxAgeMs: 3_600_000 });
  cleanups.push(async () => (await jetstreamManager(on)).streams.delete(`KV_${name}`));
  return { name, kv };
}

function track<T extends { close(): Promise<void> }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

const revokedValue = (exp: number) => JSON.stringify({ exp, reason: 'test', revokedAt: Date.now() });

describe('RevocationMirror', () => {
  it('loads the snapshot (deletes included), then follows puts and deletes', async () => {
    const { name, kv } = await newBucket();
    const [a, b, c] = [uuidv7(), uuidv7(), uuidv7()];
    const user = crypto.randomUUID();
    await kv.put(`jti.${a}`, revokedValue(1));
    await kv.put(`jti.${b}`, revokedValue(1));
    await kv.delete(`jti.${b}`);
    await kv.put(`sub.${user}`, JSON.stringify({ notBefore: 1000 }));
    await kv.put(`sub.${user}`, JSON.stringify({ notBefore: 2000 }));
    await kv.put('unrelated.key', '{}');

    const applied: string[] = [];
    const mirror = track(new RevocationMirror({ connection: nc, bucket: name, onEvent: (e) => e.type === 'applied' && applied.push(`${e.operation} ${e.key}`) }).start());
    expect(mirror.isCurrent()).toBe(false);
    expect(mirror.freshness().staleForMs).toBe(Number.POSITIVE_INFINITY);
    await mirror.ready();
    expect(mirror.isCurrent()).toBe(true);
    expect(mirror.revokedToken(a)).toMatchObject({ reason: 'test' });
    expect(mirror.revokedToken(b)).toBeUndefined();
    expect(mirror.userNotBefore(user)).toBe(2000);
    expect(mirror.size()).toEqual({ tokens: 1, sessions: 0, users: 1 });

    await kv.put(`jti.${c}`, revokedValue(1));
    await kv.delete(`jti.${a}`);
    await kv.put(`sid.${a}`, JSON.stringify({ revokedAt: 1, reason: 'logout' }));
    await waitFor(() => mirror.revokedSession(a) !== undefined, { what: 'session entry' });
    expect(mirror.revokedToken(c)).toBeDefined();
    expect(mirror.revokedToken(a)).toBeUndefined();
    expect(applied.slice(-3)).toEqual([`PUT jti.${c}`, `DEL jti.${a}`, `PUT sid.${a}`]);
  });

  it('drops entries when the max_age of the bucket removes them (the server sends no event for that)', async () => {
    const name = `t${uniqueSuffix()}_REVOCATIONS`;
    const kv = await ensureBucket(nc, { name, maxAgeMs: 1_500 });
    cleanups.push(async () => (await jetstreamManager(nc)).streams.delete(`KV_${name}`));
    const mirror = track(new RevocationMirror({ connection: nc, bucket: name, pruneIntervalMs: 100 }).start());
    await mirror.ready();
    const id = uuidv7();
    await kv.put(`jti.${id}`, revokedValue(1));
    await waitFor(() => mirror.revokedToken(id) !== undefined, { what: 'entry mirrored' });
    await waitFor(async () => (await kv.get(`jti.${id}`)) === null, { what: 'server to expire the entry', timeoutMs: 10_000 });
    await waitFor(() => mirror.revokedToken(id) === undefined, { what: 'mirror to drop it', timeoutMs: 2_000 });
    expect(mirror.size().tokens).toBe(0);
  });

  it('is current at once on an empty bucket', async () => {
    const { name } = await newBucket();
    const mirror = track(new RevocationMirror({ connection: nc, bucket: name }).start());
    await mirror.ready(5_000);
    expect(mirror.status()).toMatchObject({ current: true, loaded: true, entries: { tokens: 0, sessions: 0, users: 0 } });
  });

  it('waits for a bucket that does not exist yet (the owner may start later)', async () => {
    const name = `t${uniqueSuffix()}_REVOCATIONS`;
    const events: string[] = [];
    const mirror = track(new RevocationMirror({ connection: nc, bucket: name, retryDelayMs: 100, onEvent: (e) => events.push(e.type) }).start());
    await waitFor(() => events.includes('bucket_missing'), { what: 'bucket_missing event' });
    expect(mirror.isCurrent()).toBe(false);
    const kv = await ensureBucket(nc, { name, maxAgeMs: 60_000 });
    cleanups.push(async () => (await jetstreamManager(nc)).streams.delete(`KV_${name}`));
    const id = uuidv7();
    await kv.put(`jti.${id}`, revokedValue(1));
    await mirror.ready();
    await waitFor(() => mirror.revokedToken(id) !== undefined, { what: 'entry after late creation' });
  });

  it('accepts the connection as a promise (services that connect in the background)', async () => {
    const { name, kv } = await newBucket();
    let resolve!: (c: NatsConnection) => void;
    const mirror = track(new RevocationMirror({ connection: new Promise<NatsConnection>((r) => (resolve = r)), bucket: name }).start());
    const id = uuidv7();
    await kv.put(`jti.${id}`, revokedValue(1));
    await new Promise((r) => setTimeout(r, 50));
    expect(mirror.status().loaded).toBe(false);
    resolve(nc);
    await mirror.ready();
    expect(mirror.revokedToken(id)).toBeDefined();
  });
});

describe('while NATS is down', () => {
  let server: OwnNatsServer;
  let own: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    cleanups.push(() => server.dispose());
    own = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    cleanups.push(() => own.close());
  });

  it('keeps its last state, reports staleness, applies the stale policy, and catches up after', async () => {
    const { name, kv } = await newBucket(own);
    const revoked = await issuer.accessToken();
    await kv.put(`jti.${revoked.jti}`, revokedValue(revoked.exp));
    const make = (whenStale?: 'fail-closed' | 'fail-open') =>
      track(createVerifier({ keys: issuer.jwks, issuer: issuer.issuer, audience: issuer.audience, nats: { connection: own, bucket: name }, revocation: { staleAfterMs: 300, ...(whenStale ? { whenStale } : {}) } }));
    const [byDefault, closed, openV] = [make(), make('fail-closed'), make('fail-open')];
    await Promise.all([byDefault.ready(), closed.ready(), openV.ready()]);
    const user = await issuer.accessToken({ scopes: ['READ_PROFILE'] });
    const admin = await issuer.accessToken({ scopes: ['ADMIN_TOKENS'] });

    await server.stop();
    await waitFor(() => !byDefault.isCurrent(), { what: 'mirror to notice' });
    // Within the bound: last state, everything answered as before.
    expect(byDefault.status().revocation).toMatchObject({ current: false, loaded: true, connected: false });
    expect(await byDefault.verify(admin.token)).toMatchObject({ ok: true });
    expect(await byDefault.verify(revoked.token)).toMatchObject({ reason: 'revoked' });

    await new Promise((r) => setTimeout(r, 350));
    expect(byDefault.status().revocation.staleForMs).toBeGreaterThanOrEqual(300);
    // Past the bound: the default refuses admin tokens only.
    expect(await byDefault.verify(admin.token)).toEqual({ ok: false, reason: 'revocation_state_stale', retryAfterSeconds: 1, claims: expect.any(Object) });
    expect(await byDefault.verify(user.token)).toMatchObject({ ok: true });
    expect(await closed.verify(user.token)).toMatchObject({ reason: 'revocation_state_stale' });
    expect(await openV.verify(admin.token)).toMatchObject({ ok: true });
    // A known revocation still wins over the policy.
    expect(await openV.verify(revoked.token)).toMatchObject({ reason: 'revoked' });

    await server.start();
    await waitFor(() => byDefault.isCurrent(), { what: 'mirror current again', timeoutMs: 15_000 });
    expect(await byDefault.verify(admin.token)).toMatchObject({ ok: true });
    // Changes made after the outage reach the mirror.
    await kv.put(`jti.${user.jti}`, revokedValue(user.exp));
    await waitFor(async () => (await byDefault.verify(user.token)).ok === false, { what: 'post-outage revocation', timeoutMs: 15_000 });
    expect(await byDefault.verify(user.token)).toMatchObject({ reason: 'revoked' });
  });
});

describe('key rotation', () => {
  it('fetches the key set on SigningKeyRotated, before any token of the new key arrives', async () => {
    const jwks = await serveJwks(issuer.jwks);
    cleanups.push(() => jwks.close());
    const subject = `t${uniqueSuffix()}.keys.rotated`;
    const verifier: Verifier = track(
      createVerifier({ jwksUrl: jwks.url, issuer: issuer.issuer, audience: issuer.audience, nats: { connection: nc, keyRotatedSubject: subject }, jwks: { unknownKidCooldownMs: 3_600_000 } }),
    );
    await verifier.ready();
    const next = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience });
    jwks.setKeys({ keys: [...issuer.jwks.keys, ...next.jwks.keys] });
    const fetched = jwks.requests();
    await new Promise((r) => setTimeout(r, 50)); // let the subscription register
    const event = createKeyEvent('SigningKeyRotated', { id: uuidv7(), occurredAt: new Date().toISOString(), actor: { kind: 'system', id: 'key-rotation' }, data: { kid: next.kid, alg: 'ES256', activatesAt: new Date().toISOString() } });
    nc.publish(subject, JSON.stringify(event));
    await waitFor(() => verifier.status().keys.kids.includes(next.kid), { what: 'new kid loaded' });
    expect(jwks.requests()).toBe(fetched + 1);
    expect(await verifier.verify((await next.accessToken()).token)).toMatchObject({ ok: true });
    expect(await verifier.verify((await issuer.accessToken()).token)).toMatchObject({ ok: true });
    expect(jwks.requests()).toBe(fetched + 1);
    // Garbage on the subject changes nothing.
    nc.publish(subject, 'not json');
    await nc.flush();
    expect(jwks.requests()).toBe(fetched + 1);
  });
});
