// Two replicas share the durable consumer: every event is applied once between them, both take
// a share, and when one stops the other carries on alone.
import { randomUUID } from 'node:crypto';
import { waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inMinutes, newNamespace, openBus, sample, startService, tokenEvent, type Bus } from './harness.js';

const namespace = newNamespace();
let a: Awaited<ReturnType<typeof startService>>;
let b: Awaited<ReturnType<typeof startService>>;
let bus: Bus;

beforeAll(async () => {
  [a, b] = await Promise.all([startService(namespace), startService(namespace)]);
  bus = await openBus(namespace);
  await waitFor(async () => (await fetch(`${a.base}/health/ready`)).ok && (await fetch(`${b.base}/health/ready`)).ok, { what: 'both replicas ready' });
});

afterAll(async () => {
  await Promise.all([a.stop(), b.stop()]);
  await bus.dispose();
});

const acked = async (replica: typeof a) => sample(await replica.registry.metrics(), 'consumer_messages_total', { consumer: 'revocation', outcome: 'acked' }) ?? 0;

it('two replicas share the consumer: each event once, both working', async () => {
  const tokenIds: string[] = [];
  const userId = randomUUID();
  // Published concurrently in waves so both replicas have pulls outstanding when messages land.
  for (let wave = 0; wave < 8; wave++) {
    const ids = Array.from({ length: 10 }, () => randomUUID());
    tokenIds.push(...ids);
    await Promise.all(ids.map((tokenId) => bus.publish(tokenEvent('TokenRevoked', userId, { tokenId, tokenType: 'ACCESS', familyId: randomUUID(), reason: 'r', expiresAt: inMinutes(15) }))));
  }
  await bus.drained();
  const [byA, byB] = [await acked(a), await acked(b)];
  expect(byA + byB).toBe(tokenIds.length);
  expect(byA).toBeGreaterThan(0);
  expect(byB).toBeGreaterThan(0);
  const kv = await bus.kv();
  for (const tokenId of tokenIds) expect((await kv.get(`jti.${tokenId}`))?.operation).toBe('PUT');

  await a.stop();
  const later = Array.from({ length: 10 }, () => randomUUID());
  for (const tokenId of later) await bus.publish(tokenEvent('TokenRevoked', userId, { tokenId, tokenType: 'ACCESS', familyId: randomUUID(), reason: 'r', expiresAt: inMinutes(15) }));
  await bus.drained();
  expect(await acked(b)).toBe(byB + later.length);
  for (const tokenId of later) expect((await kv.get(`jti.${tokenId}`))?.operation).toBe('PUT');
});

it('replicas racing on one user cutoff keep the highest', async () => {
  const userId = randomUUID();
  const base = Date.now();
  const cutoffs = Array.from({ length: 20 }, (_, i) => base - i * 1000);
  await Promise.all(cutoffs.map((notBefore) => bus.publish(tokenEvent('LogoutAll', userId, { notBefore, reason: 'race', revokedCount: 0 }))));
  await bus.drained();
  expect((await (await bus.kv()).get(`sub.${userId}`))?.json()).toEqual({ notBefore: base });
});
