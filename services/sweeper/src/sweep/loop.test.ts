import { captureLogger } from '@tessera/platform/testing';
import { describe, expect, it } from 'vitest';
import { SweepLoop } from './loop.js';

const { logger } = captureLogger();
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SweepLoop', () => {
  it('runs passes back to back while they report more work, then waits for the interval', async () => {
    const reports = [true, true, false, true, false];
    const started: number[] = [];
    const loop = new SweepLoop({ logger, intervalMs: 60_000, pass: async () => (started.push(Date.now()), reports.shift() ?? false) });
    loop.start();
    await tick();
    expect(started).toHaveLength(3);
    await loop.stop();
    expect(started).toHaveLength(3);
  });

  it('stop() wakes a sleeping loop at once and waits for the pass in progress', async () => {
    let release!: () => void;
    let finished = false;
    let passes = 0;
    const loop = new SweepLoop({
      logger,
      intervalMs: 60_000,
      pass: async () => {
        passes++;
        if (passes === 2) {
          await new Promise<void>((r) => (release = r));
          finished = true;
        }
        return passes === 1;
      },
    });
    loop.start();
    await tick();
    const stopping = loop.stop();
    await tick();
    expect(finished).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(loop.status().running).toBe(false);
  });

  it('survives a failing pass, reports it, and clears it once a pass succeeds', async () => {
    let passes = 0;
    const loop = new SweepLoop({
      logger,
      intervalMs: 1,
      now: () => Date.parse('2026-01-15T10:00:00.000Z'),
      pass: async () => {
        passes++;
        if (passes === 1) throw new Error('nats: timeout');
        return false;
      },
    });
    expect(loop.status()).toEqual({ running: false, lastPassAt: null, lastError: null });
    loop.start();
    await new Promise((r) => setTimeout(r, 50));
    await loop.stop();
    expect(passes).toBeGreaterThan(1);
    expect(loop.status()).toMatchObject({ lastPassAt: '2026-01-15T10:00:00.000Z', lastError: null });
  });

  it('reports the error of the latest pass while passes fail', async () => {
    const loop = new SweepLoop({ logger, intervalMs: 60_000, pass: async () => Promise.reject(new Error('postgres: connection refused')) });
    loop.start();
    await tick();
    expect(loop.status()).toMatchObject({ running: true, lastError: 'postgres: connection refused' });
    await loop.stop();
  });

  it('runs `concurrency` workers side by side, and stop() wakes every sleeping worker', async () => {
    let inPass = 0;
    let mostAtOnce = 0;
    let passes = 0;
    const loop = new SweepLoop({
      logger,
      intervalMs: 60_000,
      concurrency: 3,
      pass: async () => {
        passes++;
        mostAtOnce = Math.max(mostAtOnce, ++inPass);
        await tick();
        inPass--;
        return false;
      },
    });
    loop.start();
    await tick();
    await tick();
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(mostAtOnce).toBe(3);
    expect(passes).toBe(3);
  });
});
