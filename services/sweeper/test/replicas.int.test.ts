import type { RunningService } from '@tessera/platform';
import { captureLogger, waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweeper } from '../src/service.js';
import { countEvents, countsByToken, createWorld, issuedEvent, metricValue, publishEvents, scheduledTokenIds, type World } from './harness.js';

const TOKENS = 2_000;
let world: World;
const sweepers: RunningService[] = [];

beforeAll(async () => {
  world = await createWorld('sweeper_replicas');
  // Small batches and a short interval, so the two replicas keep meeting on the same rows.
  const config = world.config({ SWEEP_INTERVAL_MS: '100', SWEEP_BATCH_SIZE: '25' });
  for (const name of ['a', 'b']) {
    sweepers.push(await startSweeper({ ...config, SERVICE_NAME: `sweeper-${name}` }, captureLogger(`sweeper-${name}`, 'warn').logger));
  }
  await Promise.all(sweepers.map((s) => s.nats.connected()));
});

afterAll(async () => {
  for (const s of sweepers) await s.stop();
  await world?.dispose();
});

describe('two sweepers on one schedule', () => {
  it(`emit each of ${TOKENS} expiries exactly once between them`, async () => {
    // Expiries spread over two seconds starting in three, so both replicas wake while rows are due.
    const start = Date.now();
    const events = Array.from({ length: TOKENS }, (_, i) => issuedEvent({ issuedAtMs: start, lifetimeMs: 3_000 + (i % 200) * 10 }));
    await publishEvents(world, events);
    await waitFor(async () => (await scheduledTokenIds(world)).length + (await countEvents(world, 'TokenExpired')) === TOKENS, {
      what: 'every token scheduled',
      timeoutMs: 60_000,
    });

    await waitFor(async () => (await scheduledTokenIds(world)).length === 0, { what: 'the schedule drained', timeoutMs: 60_000 });
    const counts = await countsByToken(world, 'TokenExpired');
    expect(counts.size).toBe(TOKENS);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(events.every((e) => counts.has(e.data.tokenId))).toBe(true);

    // The stream would hide a double publish (same msgId): the replicas' own counts show there was none.
    const perReplica = await Promise.all(
      sweepers.map(async (s) => {
        const text = await s.registry.metrics();
        return {
          emitted: await metricValue(text, 'sweeper_events_emitted_total', 'kind="expired"'),
          duplicates: await metricValue(text, 'sweeper_publish_duplicates_total', 'kind="expired"'),
        };
      }),
    );
    expect(perReplica.map((r) => r.duplicates)).toEqual([0, 0]);
    expect(perReplica[0]!.emitted + perReplica[1]!.emitted).toBe(TOKENS);
    expect(perReplica.every((r) => r.emitted > 0)).toBe(true);
  }, 150_000);
});
