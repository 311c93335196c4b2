// The revocation service against the real NATS: events in, REVOCATIONS entries out, and a
// verifier on another connection (as in another process) refusing the tokens.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { waitFor } from '@tessera/platform/testing';
import { createVerifier, type Verifier } from '@tessera/verifier';
import { createTestIssuer } from '@tessera/verifier/testing';
import { testNatsUrl } from '@tessera/platform/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinutes, newNamespace, openBus, sample, startService, tokenEvent, type Bus } from './harness.js';

const namespace = newNamespace();
const issuer = await createTestIssuer();
let service: Awaited<ReturnType<typeof startService>>;
let bus: Bus;
let verifierConnection: NatsConnection;
const verifiers: Verifier[] = [];

/** A verifier on its own connection, like one in another service. */
async function newVerifier(): Promise<Verifier> {
  const verifier = createVerifier({ keys: issuer.jwks, issuer: issuer.issuer, audience: issuer.audience, nats: { connection: verifierConnection, bucket: bus.topology.revocationsBucket } });
  verifiers.push(verifier);
  await verifier.ready();
  return verifier;
}

beforeAll(async () => {
  service = await startService(namespace);
  bus = await openBus(namespace);
  verifierConnection = await connect({ servers: testNatsUrl() });
  await waitFor(async () => (await fetch(`${service.base}/health/ready`)).ok, { what: 'revocation ready' });
});

afterAll(async () => {
  for (const verifier of verifiers) await verifier.close();
  await verifierConnection.close();
  await service.stop();
  await bus.dispose();
});

describe('revocation', () => {
  it('TokenRevoked → a verifier on another connection says revoked', async () => {
    const verifier = await newVerifier();
    const token = await issuer.accessToken();
    expect(await verifier.verify(token.token)).toMatchObject({ ok: true });
    await bus.publish(tokenEvent('TokenRevoked', token.userId, { tokenId: token.jti, tokenType: 'ACCESS', familyId: token.sessionId, reason: 'stolen device', expiresAt: inMinutes(15) }));
    await waitFor(async () => (await verifier.verify(token.token)).ok === false, { what: 'token refused' });
    expect(await verifier.verify(token.token)).toMatchObject({ ok: false, reason: 'revoked' });
    const entry = await (await bus.kv()).get(`jti.${token.jti}`);
    expect(entry?.json()).toMatchObject({ reason: 'stolen device', exp: expect.any(Number), revokedAt: expect.any(Number) });
  });

  it('a revoked refresh token ends its session: every access token of the family says session_revoked', async () => {
    const verifier = await newVerifier();
    const first = await issuer.accessToken();
    const second = await issuer.accessToken({ userId: first.userId, sessionId: first.sessionId });
    const otherSession = await issuer.accessToken({ userId: first.userId });
    await bus.publish(tokenEvent('TokenRevoked', first.userId, { tokenId: randomUUID(), tokenType: 'REFRESH', familyId: first.sessionId, reason: 'logout', expiresAt: inMinutes(60) }));
    await waitFor(async () => (await verifier.verify(first.token)).ok === false, { what: 'session refused' });
    expect(await verifier.verify(first.token)).toMatchObject({ reason: 'session_revoked' });
    expect(await verifier.verify(second.token)).toMatchObject({ reason: 'session_revoked' });
    expect(await verifier.verify(otherSession.token)).toMatchObject({ ok: true });
  });

  it('LogoutAll → older tokens user_revoked, a token issued after it in the same second valid', async () => {
    const verifier = await newVerifier();
    const userId = randomUUID();
    const notBefore = Math.floor(Date.now() / 1000) * 1000 + 400;
    const older = await issuer.accessToken({ userId, issuedAtMs: notBefore - 300 });
    const newer = await issuer.accessToken({ userId, issuedAtMs: notBefore + 1 });
    const someoneElse = await issuer.accessToken({ issuedAtMs: notBefore - 300 });
    await bus.publish(tokenEvent('LogoutAll', userId, { notBefore, reason: 'logout all devices', revokedCount: 2 }));
    await waitFor(async () => (await verifier.verify(older.token)).ok === false, { what: 'older token refused' });
    expect(await verifier.verify(older.token)).toMatchObject({ reason: 'user_revoked' });
    expect(await verifier.verify(newer.token)).toMatchObject({ ok: true });
    expect(await verifier.verify(someoneElse.token)).toMatchObject({ ok: true });
  });

  it('PasswordChanged works the same way, and a cutoff never moves backwards', async () => {
    const verifier = await newVerifier();
    const userId = randomUUID();
    const t0 = Date.now() - 10_000;
    const token = await issuer.accessToken({ userId, issuedAtMs: t0 + 5_000 });
    await bus.publish(tokenEvent('PasswordChanged', userId, { notBefore: t0 + 6_000 }));
    await waitFor(async () => (await verifier.verify(token.token)).ok === false, { what: 'token refused' });
    // An older cutoff arriving late (another replica, a republish) must not re-admit the token.
    await bus.publish(tokenEvent('LogoutAll', userId, { notBefore: t0, reason: 'late', revokedCount: 0 }));
    await bus.drained();
    expect((await (await bus.kv()).get(`sub.${userId}`))?.json()).toEqual({ notBefore: t0 + 6_000 });
    expect(await verifier.verify(token.token)).toMatchObject({ reason: 'user_revoked' });
  });

  it('a verifier started after the revocations loads them from the bucket', async () => {
    const revoked = await issuer.accessToken();
    await bus.publish(tokenEvent('TokenRevoked', revoked.userId, { tokenId: revoked.jti, tokenType: 'ACCESS', familyId: revoked.sessionId, reason: 'admin', expiresAt: inMinutes(15) }));
    await bus.drained();
    const late = await newVerifier();
    expect(late.isCurrent()).toBe(true);
    expect(await late.verify(revoked.token)).toMatchObject({ reason: 'revoked' });
  });

  it('a redelivered event changes nothing', async () => {
    const token = await issuer.accessToken();
    const revoke = tokenEvent('TokenRevoked', token.userId, { tokenId: token.jti, tokenType: 'REFRESH', familyId: token.sessionId, reason: 'first', expiresAt: inMinutes(60) });
    const logout = tokenEvent('LogoutAll', token.userId, { notBefore: Date.now(), reason: 'all', revokedCount: 1 });
    await bus.publish(revoke);
    await bus.publish(logout);
    await bus.drained();
    const kv = await bus.kv();
    const before = (await kv.status()).streamInfo.state;
    const entries = await Promise.all([`jti.${token.jti}`, `sid.${token.sessionId}`, `sub.${token.userId}`].map(async (k) => (await kv.get(k))?.revision));
    // The relay republishes after the duplicate window: same event, new Nats-Msg-Id, handled again.
    await bus.publish(revoke, `${revoke.id}-again`);
    await bus.publish(logout, `${logout.id}-again`);
    await bus.drained();
    expect((await kv.status()).streamInfo.state.last_seq).toBe(before.last_seq);
    expect(await Promise.all([`jti.${token.jti}`, `sid.${token.sessionId}`, `sub.${token.userId}`].map(async (k) => (await kv.get(k))?.revision))).toEqual(entries);
    expect((await kv.get(`jti.${token.jti}`))?.json()).toMatchObject({ reason: 'first' });
  });

  it('TokenExpired removes the entry; events the service does not act on are acked and ignored', async () => {
    const verifier = await newVerifier();
    const token = await issuer.accessToken();
    const kv = await bus.kv();
    await bus.publish(tokenEvent('TokenRevoked', token.userId, { tokenId: token.jti, tokenType: 'ACCESS', familyId: token.sessionId, reason: 'r', expiresAt: inMinutes(15) }));
    await waitFor(async () => (await verifier.verify(token.token)).ok === false, { what: 'token refused' });
    const lastSeq = (await kv.status()).streamInfo.state.last_seq;
    await bus.publish(tokenEvent('TokenIssued', token.userId, { tokenId: randomUUID(), tokenType: 'ACCESS', familyId: token.sessionId, scopes: ['READ_PROFILE'], issuedAt: new Date().toISOString(), expiresAt: inMinutes(15), clientIp: '203.0.113.7', userAgent: 'ua', fingerprint: 'ab' }));
    // Expiry of a token that was never revoked writes nothing (no tombstone per expiring token).
    await bus.publish(tokenEvent('TokenExpired', token.userId, { tokenId: randomUUID(), tokenType: 'ACCESS', expiresAt: new Date().toISOString() }));
    await bus.drained();
    expect((await kv.status()).streamInfo.state.last_seq).toBe(lastSeq);
    await bus.publish(tokenEvent('TokenExpired', token.userId, { tokenId: token.jti, tokenType: 'ACCESS', expiresAt: new Date().toISOString() }));
    await waitFor(async () => (await kv.get(`jti.${token.jti}`))?.operation === 'DEL', { what: 'entry deleted' });
    // The mirror applies deletes too (the sweeper only emits TokenExpired once the token is dead;
    // here the token is still inside its exp, which makes the delete visible to a verifier).
    await waitFor(async () => (await verifier.verify(token.token)).ok, { what: 'mirror to apply the delete' });
  });

  it('reports the blacklist size by kind and the propagation histogram', async () => {
    await bus.drained();
    const metrics = await (await fetch(`${service.base}/metrics`)).text();
    const kv = await bus.kv();
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    const count = (prefix: string) => keys.filter((k) => k.startsWith(prefix)).length;
    await waitFor(async () => {
      const text = await (await fetch(`${service.base}/metrics`)).text();
      return sample(text, 'auth_blacklist_size_gauge', { kind: 'token' }) === count('jti.');
    }, { what: 'gauge to match the bucket' });
    const text = await (await fetch(`${service.base}/metrics`)).text();
    expect(sample(text, 'auth_blacklist_size_gauge', { kind: 'session' })).toBe(count('sid.'));
    expect(sample(text, 'auth_blacklist_size_gauge', { kind: 'user' })).toBe(count('sub.'));
    expect(count('jti.') + count('sid.') + count('sub.')).toBeGreaterThan(5);
    expect(sample(metrics, 'revocation_propagation_seconds_count', { event: 'TokenRevoked' })).toBeGreaterThan(0);
    expect(sample(metrics, 'revocation_propagation_seconds_count', { event: 'LogoutAll' })).toBeGreaterThan(0);
    expect(sample(metrics, 'consumer_messages_total', { consumer: 'revocation', outcome: 'acked' })).toBeGreaterThan(0);
    expect(sample(metrics, 'consumer_messages_total', { consumer: 'revocation', outcome: 'dead_lettered' })).toBeUndefined();
  });
});
