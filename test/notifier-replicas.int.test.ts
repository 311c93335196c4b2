import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGateway } from '../scripts/gateway/gateway.js';
import { loadRoutes } from '../scripts/gateway/routes.js';
import { ApiClient } from './support/client.js';
import { TestSocket } from './support/sockets.js';
import { startSystem, type TestSystem } from './support/system.js';

/*
 * Two notifier replicas behind the gateway (round-robin on /ws/tokens): each replica reads every
 * token event, so a client receives its events whichever replica it landed on.
 */
let system: TestSystem;
let gateway: Server;
let base: string;

beforeAll(async () => {
  system = await startSystem({ with: ['revocation', 'notifier'], notifierReplicas: 2 });
  const { routes } = loadRoutes();
  gateway = createGateway({ routes, targets: { 'token-api': [system.url['token-api']], notifier: system.notifierUrls } });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
  base = `127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});
afterAll(async () => {
  gateway?.close();
  await system?.stop();
});

it('delivers to clients on either replica', async () => {
  const api = new ApiClient(`http://${base}`);
  const email = `user-${uniqueSuffix()}@example.com`;
  const { id: userId } = await api.register(email, 'correct horse battery');
  const sessions = await Promise.all([1, 2, 3].map(() => api.login(email, 'correct horse battery')));
  const sockets: TestSocket[] = [];
  for (const s of sessions.slice(0, 2)) {
    const socket = await TestSocket.open(`ws://${base}/ws/tokens`, { token: s.access_token });
    socket.send({ type: 'SUBSCRIBE', userId });
    await socket.next('SUBSCRIBED');
    sockets.push(socket);
  }
  const perReplica = await Promise.all(system.notifierUrls.map(async (u) => ((await (await fetch(`${u}/health`)).json()) as { checks: { websockets: { detail: { connections: number } } } }).checks.websockets.detail.connections));
  expect(perReplica).toEqual([1, 1]);

  // Ending the third session is news for both sockets, one on each replica.
  expect((await api.call('POST', '/api/v1/auth/logout', { token: sessions[2]!.access_token })).status).toBe(204);
  for (const socket of sockets) expect(await socket.next('TOKEN_REVOKED')).toMatchObject({ userId });
  sockets.forEach((s) => s.close());
});
