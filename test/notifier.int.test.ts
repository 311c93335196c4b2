import { createTokenEvent, WsCloseCode } from '@tessera/contracts';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { publishJson, Topology } from '@tessera/platform';
import { testNatsUrl, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from './support/client.js';
import { TestSocket } from './support/sockets.js';
import { startSystem, type TestSystem } from './support/system.js';

/*
 * Issue 6 with all services running in this process (token-api, revocation, notifier, audit,
 * sweeper): real logins, real logouts and password changes through token-api, events through
 * the outbox and JetStream, socket authentication through the verifier and its revocation mirror.
 */
let system: TestSystem;
let api: ApiClient;
let wsUrl: string;
const ADMIN = { email: `admin-${uniqueSuffix()}@example.com`, password: 'admin-password-123' };

beforeAll(async () => {
  system = await startSystem({ env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, WS_AUTH_TIMEOUT_MS: '500', WS_MAX_CONNECTIONS_PER_USER: '4' } });
  api = new ApiClient(system.url['token-api']);
  wsUrl = `${system.url.notifier.replace('http', 'ws')}/ws/tokens`;
});
afterAll(() => system?.stop());

async function newUser(): Promise<{ email: string; password: string; userId: string }> {
  const email = `user-${uniqueSuffix()}@example.com`;
  const password = 'correct horse battery';
  const { id } = await api.register(email, password);
  return { email, password, userId: id };
}

async function session(user: { email: string; password: string }) {
  const pair = await api.login(user.email, user.password);
  const claims = decodeJwt(pair.access_token) as { jti: string; sid: string; sub: string };
  return { ...pair, tokenId: claims.jti, sessionId: claims.sid };
}

async function subscribedSocket(token: string, userId: string, tokenId?: string): Promise<TestSocket> {
  const socket = await TestSocket.open(wsUrl, { token });
  socket.send({ type: 'SUBSCRIBE', userId, ...(tokenId ? { tokenId } : {}) });
  await socket.next('SUBSCRIBED');
  return socket;
}

/** A user signed in twice, a subscribed socket per session, and a socket of another user that must hear nothing. */
async function twoSocketsAndABystander() {
  const user = await newUser();
  const other = await newUser();
  const a = await session(user);
  const b = await session(user);
  const socketA = await subscribedSocket(a.access_token, user.userId);
  const socketB = await subscribedSocket(b.access_token, user.userId);
  const bystander = await subscribedSocket((await session(other)).access_token, other.userId);
  return { user, a, socketA, socketB, bystander };
}

describe('protocol', () => {
  it('answers PING with PONG and a timestamp', async () => {
    const user = await newUser();
    const socket = await TestSocket.open(wsUrl, { token: (await session(user)).access_token });
    socket.send({ type: 'PING' });
    const pong = await socket.next('PONG');
    expect(Math.abs(Date.parse(pong.timestamp) - Date.now())).toBeLessThan(5_000);
    socket.close();
  });

  it('authenticates a browser with a first AUTH message', async () => {
    const user = await newUser();
    const s = await session(user);
    const socket = await TestSocket.open(wsUrl);
    socket.send({ type: 'AUTH', token: s.access_token });
    socket.send({ type: 'SUBSCRIBE', userId: user.userId });
    expect(await socket.next('SUBSCRIBED')).toEqual({ type: 'SUBSCRIBED', userId: user.userId });
    socket.close();
  });

  it('answers malformed and unknown messages with ERROR and keeps a healthy socket open, up to a bound', async () => {
    const user = await newUser();
    const socket = await TestSocket.open(wsUrl, { token: (await session(user)).access_token });
    socket.send('{not json');
    socket.send({ type: 'SHOUT' });
    socket.send({ type: 'SUBSCRIBE', userId: 'not-a-uuid' });
    await waitFor(() => socket.messages.length === 3, { what: 'three errors' });
    expect(socket.messages.map((m) => m.type === 'ERROR' && m.code)).toEqual(['invalid_message', 'unknown_type', 'invalid_message']);
    socket.send({ type: 'PING' });
    await socket.next('PONG');
    expect(socket.closed).toBeNull();
    for (let i = 0; i < 12; i++) socket.send('x');
    expect((await socket.closedWith()).code).toBe(WsCloseCode.TOO_MANY_ERRORS);
  });
});

describe('security', () => {
  it('refuses a socket without a token once the AUTH timeout passes', async () => {
    const socket = await TestSocket.open(wsUrl);
    expect((await socket.closedWith()).code).toBe(WsCloseCode.AUTH_TIMEOUT);
    expect(socket.messages).toEqual([expect.objectContaining({ type: 'ERROR', code: 'auth_timeout' })]);
  });

  it('refuses a garbage token', async () => {
    const socket = await TestSocket.open(wsUrl, { token: 'garbage.token.here' });
    expect((await socket.closedWith()).code).toBe(WsCloseCode.UNAUTHORIZED);
    expect(socket.messages[0]).toMatchObject({ type: 'ERROR', code: 'unauthorized' });
  });

  it('refuses a token in the query string, even a valid one', async () => {
    const user = await newUser();
    const socket = await TestSocket.open(`${wsUrl}?access_token=${(await session(user)).access_token}`);
    expect((await socket.closedWith()).code).toBe(WsCloseCode.UNAUTHORIZED);
    expect(socket.messages[0]).toMatchObject({ type: 'ERROR', code: 'unauthorized' });
  });

  it('refuses a token from another device (User-Agent binding)', async () => {
    const user = await newUser();
    const socket = await TestSocket.open(wsUrl, { token: (await session(user)).access_token, userAgent: 'curl/8.0' });
    expect((await socket.closedWith()).code).toBe(WsCloseCode.UNAUTHORIZED);
    expect(socket.messages[0]).toMatchObject({ type: 'ERROR', message: expect.stringContaining('device_mismatch') });
  });

  it("refuses a subscription to another user's id, and lets an admin subscribe to anyone", async () => {
    const alice = await newUser();
    const bob = await newUser();
    const socket = await TestSocket.open(wsUrl, { token: (await session(alice)).access_token });
    socket.send({ type: 'SUBSCRIBE', userId: bob.userId });
    expect((await socket.closedWith()).code).toBe(WsCloseCode.FORBIDDEN);
    expect(socket.messages[0]).toMatchObject({ type: 'ERROR', code: 'forbidden' });

    const admin = await api.login(ADMIN.email, ADMIN.password, ['ADMIN_TOKENS']);
    const watching = await subscribedSocket(admin.access_token, bob.userId);
    const bobSession = await session(bob);
    await api.call('POST', '/api/v1/auth/logout', { token: bobSession.access_token });
    const revoked = await watching.next('TOKEN_REVOKED');
    expect(revoked.userId).toBe(bob.userId);
    expect(watching.closed).toBeNull();
    watching.close();
  });

  it('refuses a revoked token', async () => {
    const user = await newUser();
    const s = await session(user);
    expect((await api.call('POST', '/api/v1/auth/logout', { token: s.access_token })).status).toBe(204);
    // The revocation service has to see the event first; the verifier's mirror then refuses.
    const refused = await waitFor(async () => {
      const socket = await TestSocket.open(wsUrl, { token: s.access_token });
      const closed = await socket.closedWith(2_000).catch(() => null);
      if (!closed) socket.close();
      return closed?.code === WsCloseCode.UNAUTHORIZED ? socket : null;
    }, { what: 'revoked token refused', timeoutMs: 10_000 });
    expect(refused.messages[0]).toMatchObject({ type: 'ERROR', message: expect.stringMatching(/revoked/) });
  });

  it('caps the sockets one user may hold', async () => {
    const user = await newUser();
    const token = (await session(user)).access_token;
    const sockets = await Promise.all([1, 2, 3, 4].map(() => subscribedSocket(token, user.userId)));
    const fifth = await TestSocket.open(wsUrl, { token });
    expect((await fifth.closedWith()).code).toBe(WsCloseCode.TOO_MANY_ERRORS);
    expect(fifth.messages[0]).toMatchObject({ type: 'ERROR', code: 'too_many_connections' });
    sockets.forEach((s) => s.close());
  });
});

describe('notifications', () => {
  it('logout: the session sockets get TOKEN_REVOKED and close; another session of the user is told and stays', async () => {
    const user = await newUser();
    const phone = await session(user);
    const laptop = await session(user);
    const phoneSocket = await subscribedSocket(phone.access_token, user.userId);
    const laptopSocket = await subscribedSocket(laptop.access_token, user.userId);

    expect((await api.call('POST', '/api/v1/auth/logout', { token: phone.access_token })).status).toBe(204);
    const closed = await phoneSocket.closedWith();
    expect(closed.code).toBe(WsCloseCode.TOKEN_REVOKED);
    expect(phoneSocket.messages.filter((m) => m.type === 'TOKEN_REVOKED').map((m) => m.type === 'TOKEN_REVOKED' && m.userId)).toContain(user.userId);

    const told = await laptopSocket.next('TOKEN_REVOKED');
    expect(told).toMatchObject({ userId: user.userId, reason: expect.any(String) });
    await new Promise((r) => setTimeout(r, 200));
    expect(laptopSocket.closed).toBeNull();
    laptopSocket.close();
  });

  it('password change: PASSWORD_CHANGED on every socket of the user, which close; nothing to another user', async () => {
    const { user, a, socketA, socketB, bystander } = await twoSocketsAndABystander();

    const res = await api.call('POST', '/api/v1/auth/password', { token: a.access_token, body: { currentPassword: user.password, newPassword: 'a brand new password' } });
    expect(res.status).toBe(204);
    for (const socket of [socketA, socketB]) {
      expect(await socket.next('PASSWORD_CHANGED')).toMatchObject({ userId: user.userId });
      expect((await socket.closedWith()).code).toBe(WsCloseCode.PASSWORD_CHANGED);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(bystander.messages.filter((m) => m.type !== 'SUBSCRIBED')).toEqual([]);
    bystander.close();
  });

  it("logout-all: LOGOUT_ALL on every socket of the user, which close; none on another user's", async () => {
    const { user, a, socketA, socketB, bystander } = await twoSocketsAndABystander();

    const res = await api.call('DELETE', `/api/v1/auth/tokens/all/${user.userId}`, { token: a.access_token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ userId: user.userId, revokedCount: expect.any(Number) });
    for (const socket of [socketA, socketB]) {
      expect(await socket.next('LOGOUT_ALL')).toMatchObject({ userId: user.userId });
      expect((await socket.closedWith()).code).toBe(WsCloseCode.LOGGED_OUT_EVERYWHERE);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(bystander.messages.filter((m) => m.type !== 'SUBSCRIBED')).toEqual([]);
    expect(bystander.closed).toBeNull();
    bystander.close();
  });

  it('expiry: TOKEN_EXPIRED reaches the socket of that token, which closes', async () => {
    const user = await newUser();
    const s = await session(user);
    const socket = await subscribedSocket(s.access_token, user.userId, s.tokenId);
    // The sweeper emits TokenExpired when a token's time is up (tested in services/sweeper with
    // 2 s tokens; access tokens here live at least a minute), so publish it as the sweeper does.
    const nc = await connect({ servers: testNatsUrl() });
    const topology = new Topology({ namespace: system.namespace, eventsMaxAgeMs: 86_400_000 });
    const event = createTokenEvent('TokenExpired', {
      id: uuidv7(),
      occurredAt: new Date().toISOString(),
      userId: user.userId,
      actor: { kind: 'system', id: 'sweeper' },
      data: { tokenId: s.tokenId, tokenType: 'ACCESS', expiresAt: new Date().toISOString() },
    });
    await publishJson(jetstream(nc), topology.tokenEventSubject('TokenExpired', user.userId), event, { msgId: event.id });
    await nc.close();
    expect(await socket.next('TOKEN_EXPIRED')).toEqual({ type: 'TOKEN_EXPIRED', tokenId: s.tokenId, userId: user.userId, at: event.occurredAt });
    expect((await socket.closedWith()).code).toBe(WsCloseCode.TOKEN_EXPIRED);
  });
});
