import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunningService } from '@tessera/platform';
import { captureLogger, waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweeper } from '../src/service.js';
import { countEvents, countsByToken, createWorld, issuedEvent, metricValue, publishEvents, typeFilter, type World } from './harness.js';

const TOKENS = 20_000;
const BATCH = 5_000;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let world: World;
let child: ChildProcess | null = null;
let successor: RunningService | null = null;
let childOutput = '';

beforeAll(async () => {
  world = await createWorld('sweeper_crash');
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await successor?.stop();
  await world?.dispose();
});

const scheduledCount = async () => Number((await world.database.db.selectFrom('expiry_schedule').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

function startChild(env: Record<string, string>): ChildProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'services/sweeper/src/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (d: Buffer) => (childOutput += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (childOutput += d.toString()));
  return proc;
}

describe('a sweeper killed in the middle of a batch', () => {
  it('loses no expiry and duplicates none once another sweeper takes over', async () => {
    // A first sweeper schedules the tokens (all already expired) but does not sweep: its loop made
    // its one pass at start, before they existed, and sleeps for an hour. It stops cleanly.
    const feeder = await startSweeper(world.config({ SWEEP_INTERVAL_MS: '3600000' }), captureLogger('sweeper-feeder', 'warn').logger);
    await waitFor(async () => {
      const health = (await (await fetch(`http://127.0.0.1:${feeder.port}/health`)).json()) as { checks: { sweep?: { detail?: { lastPassAt?: string | null } } } };
      return health.checks.sweep?.detail?.lastPassAt;
    }, { what: "the feeder's first (empty) pass", timeoutMs: 20_000 });
    const events = Array.from({ length: TOKENS }, () => issuedEvent({ issuedAtMs: Date.now() - 60_000, lifetimeMs: 59_000 }));
    await publishEvents(world, events);
    await waitFor(async () => (await scheduledCount()) === TOKENS, { what: 'every token scheduled', timeoutMs: 60_000 });
    await feeder.stop();
    expect(await countEvents(world, 'TokenExpired')).toBe(0);

    // Kill it as soon as the 500th TokenExpired of its first batches goes by: they are then
    // partly published and not committed.
    let seen = 0;
    const watch = world.nc.subscribe(typeFilter(world, 'TokenExpired'), {
      callback: () => {
        if (++seen === 500) child!.kill('SIGKILL');
      },
    });
    await world.nc.flush();

    // The child's first pass takes every row, BATCH at a time.
    child = startChild(world.env({ SWEEP_BATCH_SIZE: String(BATCH), SWEEP_INTERVAL_MS: '100', LOG_LEVEL: 'warn' }));
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));

    await Promise.race([
      exited,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`the child was not killed mid-batch (saw ${seen} TokenExpired; output: ${childOutput.slice(-2_000)})`)), 60_000),
      ),
    ]);
    watch.unsubscribe();
    expect(child.signalCode).toBe('SIGKILL');
    await new Promise((r) => setTimeout(r, 500)); // what the server had read from the dead socket is stored by now

    const leftRows = await scheduledCount();
    const storedBeforeTakeover = await countEvents(world, 'TokenExpired');
    expect(storedBeforeTakeover).toBeGreaterThanOrEqual(500);
    // Published but not deleted: the crash hit between the publishes and the commit.
    const publishedNotCommitted = leftRows + storedBeforeTakeover - TOKENS;
    expect(publishedNotCommitted).toBeGreaterThan(0);

    successor = await startSweeper(world.config({ SWEEP_BATCH_SIZE: String(BATCH), SWEEP_INTERVAL_MS: '100' }), captureLogger('sweeper-successor', 'warn').logger);
    await waitFor(async () => (await scheduledCount()) === 0, { what: 'the schedule drained by the successor', timeoutMs: 60_000 });

    const counts = await countsByToken(world, 'TokenExpired');
    expect(counts.size).toBe(TOKENS);
    expect(events.every((e) => counts.get(e.data.tokenId) === 1)).toBe(true);

    // The successor republished the interrupted batch's messages and the stream dropped them.
    const metrics = await successor.registry.metrics();
    expect(await metricValue(metrics, 'sweeper_publish_duplicates_total', 'kind="expired"')).toBe(publishedNotCommitted);
    expect(await metricValue(metrics, 'sweeper_events_emitted_total', 'kind="expired"')).toBe(TOKENS - storedBeforeTakeover);
  }, 150_000);
});
