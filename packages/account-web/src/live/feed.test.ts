import type { AddressInfo } from 'node:net';
import type { WebSocketLike } from '@tessera/client';
import { WsCloseCode, type ServerMessage } from '@tessera/contracts';
import { FIXED_NOW_MS } from '@tessera/contracts/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ApiError } from '../api/failure.js';
import { AuthSession } from '../auth/session.js';
import { USER, pair } from '../testing/tokens.js';
import { startLiveFeed, type LiveStatus } from './feed.js';

/*
 * A real WebSocket server speaking the notifier's protocol (DESIGN §7): AUTH first, SUBSCRIBED
 * per subscription, pushes, and the close codes the notifier uses. Each test drives it as the
 * notifier would and watches what the page's feed and session do.
 */
interface Connection {
  socket: WebSocket;
  token: Promise<string>;
}
let server: WebSocketServer;
let url: string;
const connections: Connection[] = [];
const waiters = new Set<() => void>();

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((r) => server.once('listening', () => r()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/tokens`;
  server.on('connection', (socket) => {
    let gotToken!: (t: string) => void;
    const token = new Promise<string>((r) => (gotToken = r));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; token?: string; userId?: string };
      if (message.type === 'AUTH') gotToken(message.token!);
      if (message.type === 'SUBSCRIBE') socket.send(JSON.stringify({ type: 'SUBSCRIBED', userId: message.userId }));
    });
    connections.push({ socket, token });
    waiters.forEach((w) => w());
  });
});
afterAll(() => server.close());

const stops: Array<() => void> = [];
afterEach(() => {
  stops.splice(0).forEach((stop) => stop());
  connections.splice(0).forEach((c) => c.socket.terminate());
});

async function until(what: string, check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function feed(refresh: (token: string) => Promise<ReturnType<typeof pair>>) {
  const first = pair(Math.floor(Date.now() / 1000) + 900);
  const session = new AuthSession(first, 'ann@example.org', { refresh });
  const statuses: LiveStatus[] = [];
  const pushes: ServerMessage[] = [];
  const stop = startLiveFeed({
    url,
    session,
    userIds: [USER],
    onPush: (m) => pushes.push(m),
    onStatus: (s) => statuses.push(s),
    createSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
    retryMs: 50,
  });
  stops.push(stop);
  return { session, statuses, pushes, first };
}

const refused = async (): Promise<never> => {
  throw new ApiError({ kind: 'unauthorized' }, 401);
};
const rotating = async () => pair(Math.floor(Date.now() / 1000) + 900);
const at = new Date(FIXED_NOW_MS).toISOString();

describe('startLiveFeed', () => {
  it('authenticates by message with the session token, subscribes, and hands pushes on', async () => {
    const { statuses, pushes, first } = feed(rotating);
    await until('a connection', () => connections.length === 1);
    expect(await connections[0]!.token).toBe(first.access_token);
    await until('live', () => statuses.at(-1) === 'live');
    connections[0]!.socket.send(JSON.stringify({ type: 'TOKEN_REVOKED', tokenId: '019bc119-0100-7000-8000-0000000000ff', userId: USER, reason: 'lost phone', at }));
    await until('the push', () => pushes.length === 1);
    expect(pushes[0]).toMatchObject({ type: 'TOKEN_REVOKED', reason: 'lost phone' });
    // Two-step sign-in turned off elsewhere reaches the page too (its settings re-read the state).
    connections[0]!.socket.send(JSON.stringify({ type: 'MFA_DISABLED', userId: USER, at }));
    await until('the MFA push', () => pushes.length === 2);
    expect(pushes[1]).toEqual({ type: 'MFA_DISABLED', userId: USER, at });
  });

  it('signs out with the pushed reason when the session is revoked and token-api refuses the refresh', async () => {
    const { session, statuses } = feed(refused);
    await until('live', () => statuses.at(-1) === 'live');
    const socket = connections[0]!.socket;
    socket.send(JSON.stringify({ type: 'TOKEN_REVOKED', tokenId: '019bc119-0100-7000-8000-0000000000ff', userId: USER, reason: 'lost phone', at }));
    socket.close(WsCloseCode.TOKEN_REVOKED, 'token revoked');
    await until('the end of the session', () => session.ended !== null);
    expect(session.ended).toEqual({ kind: 'session_revoked', reason: 'lost phone' });
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toHaveLength(1);
  });

  it('stays signed in and reconnects with the rotated token when the close was about an older token of a live session', async () => {
    const { session, statuses, first } = feed(rotating);
    await until('live', () => statuses.at(-1) === 'live');
    connections[0]!.socket.close(WsCloseCode.TOKEN_REVOKED, 'token revoked');
    await until('a second connection', () => connections.length === 2);
    const second = await connections[1]!.token;
    expect(second).not.toBe(first.access_token);
    expect(second).toBe(await session.accessToken());
    expect(session.ended).toBeNull();
    await until('live again', () => statuses.at(-1) === 'live');
  });

  it('signs out as logged out everywhere, or password changed, on those closes', async () => {
    const everywhere = feed(refused);
    await until('live', () => everywhere.statuses.at(-1) === 'live');
    connections[0]!.socket.send(JSON.stringify({ type: 'LOGOUT_ALL', userId: USER, reason: 'help desk', at }));
    connections[0]!.socket.close(WsCloseCode.LOGGED_OUT_EVERYWHERE, 'logged out everywhere');
    await until('the end', () => everywhere.session.ended !== null);
    expect(everywhere.session.ended).toEqual({ kind: 'logged_out_everywhere', reason: 'help desk', byThisPage: false });

    const password = feed(refused);
    await until('a connection', () => connections.length === 2);
    await until('live', () => password.statuses.at(-1) === 'live');
    connections[1]!.socket.close(WsCloseCode.PASSWORD_CHANGED, 'password changed');
    await until('the end', () => password.session.ended !== null);
    expect(password.session.ended).toEqual({ kind: 'password_changed', byThisPage: false });
  });

  it('reconnects with the current token after 4013 (the socket token expired), without rotating', async () => {
    let rotations = 0;
    const { session, statuses, first } = feed(async () => {
      rotations += 1;
      return rotating();
    });
    await until('live', () => statuses.at(-1) === 'live');
    connections[0]!.socket.close(WsCloseCode.TOKEN_EXPIRED, 'token expired');
    await until('a second connection', () => connections.length === 2);
    expect(await connections[1]!.token).toBe(first.access_token);
    expect(rotations).toBe(0);
    expect(session.ended).toBeNull();
  });

  it('reconnects by itself after the network drops, saying so meanwhile', async () => {
    const { statuses } = feed(rotating);
    await until('live', () => statuses.at(-1) === 'live');
    connections[0]!.socket.terminate();
    await until('reconnecting', () => statuses.includes('reconnecting'));
    await until('a second connection', () => connections.length === 2);
    await until('live again', () => statuses.at(-1) === 'live');
  });

  it('stops when the session ends, and closes its socket', async () => {
    const { session, statuses } = feed(rotating);
    await until('live', () => statuses.at(-1) === 'live');
    const closed = new Promise<number>((r) => connections[0]!.socket.once('close', (code) => r(code)));
    session.end({ kind: 'signed_out' });
    expect(await closed).toBe(1000);
  });
});
