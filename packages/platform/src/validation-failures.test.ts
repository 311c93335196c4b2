import { parseTokenEvent, UNKNOWN_USER_ID, type TokenValidationFailed } from '@tessera/contracts';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createValidationFailureReporter, type ValidationFailure } from './validation-failures.js';

// 2026-01-15T10:00:00.000Z: a multiple of the 60 s window, so window bounds are easy to read.
const T0 = 1_768_471_200_000;
const USER = '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f';
const OTHER = 'c0ffee00-1234-4abc-8def-0123456789ab';
const TOKEN = '019bc119-0100-7000-8000-000000000002';

const failure = (patch: Partial<ValidationFailure> = {}): ValidationFailure => ({
  reason: 'bad_signature',
  userId: USER,
  clientIp: '198.51.100.23',
  userAgent: 'python-requests/2.32.3',
  ...patch,
});

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

function setup(options: { windowMs?: number; maxEventsPerWindow?: number; publish?: (e: TokenValidationFailed) => Promise<unknown> } = {}) {
  const published: TokenValidationFailed[] = [];
  const registry = new Registry();
  let n = 0;
  const reporter = createValidationFailureReporter({
    publish:
      options.publish ??
      (async (event) => {
        published.push(event);
      }),
    registry,
    newId: () => `019bc119-0100-7000-8000-${String(++n).padStart(12, '0')}`,
    ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    ...(options.maxEventsPerWindow !== undefined ? { maxEventsPerWindow: options.maxEventsPerWindow } : {}),
  });
  return { reporter, published, registry };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createValidationFailureReporter', () => {
  it('aggregates one key within a window into one event with the count, emitted when the window ends', async () => {
    const { reporter, published } = setup();
    await vi.advanceTimersByTimeAsync(5_000);
    reporter.record(failure({ tokenId: TOKEN }));
    await vi.advanceTimersByTimeAsync(15_000);
    reporter.record(failure({ userAgent: 'curl/8.5.0' }));
    reporter.record(failure());
    expect(published).toEqual([]);

    await vi.advanceTimersByTimeAsync(39_999);
    expect(published).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);

    expect(published).toHaveLength(1);
    const [event] = published;
    expect(parseTokenEvent(JSON.parse(JSON.stringify(event))).success).toBe(true);
    expect(event).toMatchObject({
      type: 'TokenValidationFailed',
      userId: USER,
      occurredAt: '2026-01-15T10:01:00.000Z',
      actor: { kind: 'service', id: 'token-validation' },
      data: {
        reason: 'bad_signature',
        tokenId: TOKEN,
        clientIp: '198.51.100.23',
        // The first failure's User-Agent stands for the window.
        userAgent: 'python-requests/2.32.3',
        count: 3,
        windowStart: '2026-01-15T10:00:00.000Z',
        windowEnd: '2026-01-15T10:01:00.000Z',
      },
    });
  });

  it('keeps (userId, reason, clientIp) apart, and records an unknown or non-UUID user as the nil UUID', async () => {
    const { reporter, published } = setup();
    reporter.record(failure());
    reporter.record(failure({ userId: OTHER }));
    reporter.record(failure({ reason: 'expired' }));
    reporter.record(failure({ clientIp: '2001:db8::1' }));
    reporter.record(failure({ userId: undefined }));
    reporter.record(failure({ userId: 'not-a-uuid; drop table' }));
    reporter.record(failure({ userId: USER.toUpperCase() }));
    await reporter.flush();

    const summary = published.map((e) => [e.userId, e.data.reason, e.data.clientIp, e.data.count]);
    expect(summary).toEqual([
      [USER, 'bad_signature', '198.51.100.23', 2],
      [OTHER, 'bad_signature', '198.51.100.23', 1],
      [USER, 'expired', '198.51.100.23', 1],
      [USER, 'bad_signature', '2001:db8::1', 1],
      [UNKNOWN_USER_ID, 'bad_signature', '198.51.100.23', 2],
    ]);
    expect(new Set(published.map((e) => e.id)).size).toBe(published.length);
  });

  it('starts a fresh window: a key failing in two windows yields two events', async () => {
    const { reporter, published } = setup({ windowMs: 10_000 });
    reporter.record(failure());
    reporter.record(failure());
    await vi.advanceTimersByTimeAsync(10_000);
    reporter.record(failure());
    await vi.advanceTimersByTimeAsync(10_000);

    expect(published.map((e) => [e.data.count, e.data.windowStart, e.data.windowEnd])).toEqual([
      [2, '2026-01-15T10:00:00.000Z', '2026-01-15T10:00:10.000Z'],
      [1, '2026-01-15T10:00:10.000Z', '2026-01-15T10:00:20.000Z'],
    ]);
  });

  it('closes a window whose timer has not fired yet when the next window is entered', async () => {
    const { reporter, published } = setup({ windowMs: 10_000 });
    reporter.record(failure());
    vi.setSystemTime(T0 + 25_000); // clock jumped: the timer has not run
    reporter.record(failure({ reason: 'expired' }));
    await reporter.flush();
    expect(published.map((e) => [e.data.reason, e.data.windowStart])).toEqual([
      ['bad_signature', '2026-01-15T10:00:00.000Z'],
      ['expired', '2026-01-15T10:00:20.000Z'],
    ]);
    // occurredAt is never before the window it reports on closed.
    expect(published[0]!.occurredAt).toBe('2026-01-15T10:00:25.000Z');
  });

  it('bounds events per window: new keys past the bound are dropped and counted, known keys keep counting', async () => {
    const { reporter, published, registry } = setup({ maxEventsPerWindow: 3 });
    for (let i = 1; i <= 10_000; i++) reporter.record(failure({ clientIp: `203.0.113.${(i % 250) + 1}` }));
    reporter.record(failure({ clientIp: '203.0.113.2' }));
    await reporter.flush();

    expect(published).toHaveLength(3);
    expect(published.map((e) => e.data.clientIp)).toEqual(['203.0.113.2', '203.0.113.3', '203.0.113.4']);
    expect(published.map((e) => e.data.count)).toEqual([41, 40, 40]);
    expect(await counter(registry, 'validation_failures_dropped_total', { cause: 'window_bound' })).toBe(10_001 - 121);
    expect(await counter(registry, 'validation_failures_recorded_total', { reason: 'bad_signature' })).toBe(121);
    expect(await counter(registry, 'validation_failure_events_total', { outcome: 'published' })).toBe(3);

    // The bound is per window: the next one accepts new keys again.
    reporter.record(failure({ clientIp: '192.0.2.1' }));
    await reporter.flush();
    expect(published.at(-1)?.data).toMatchObject({ clientIp: '192.0.2.1', count: 1 });
  });

  it('drops unusable input without throwing, truncates long User-Agents, ignores bad token ids', async () => {
    const { reporter, published, registry } = setup();
    reporter.record(failure({ clientIp: 'unknown' }));
    reporter.record(failure({ clientIp: '' }));
    reporter.record(failure({ userAgent: 'A'.repeat(5_000), tokenId: 'not-a-uuid' }));
    await reporter.flush();
    expect(await counter(registry, 'validation_failures_dropped_total', { cause: 'invalid_input' })).toBe(2);
    expect(published).toHaveLength(1);
    expect(published[0]!.data.userAgent).toHaveLength(512);
    expect(published[0]!.data).not.toHaveProperty('tokenId');
  });

  it('throws TypeError for a reason that is not a verifier reason (a caller bug)', () => {
    const { reporter } = setup();
    expect(() => reporter.record(failure({ reason: 'revocation_state_stale' as never }))).toThrow(TypeError);
  });

  it('counts a failed publish and keeps going', async () => {
    let calls = 0;
    const published: TokenValidationFailed[] = [];
    const { reporter, registry } = setup({
      publish: async (event) => {
        if (++calls === 1) throw new Error('nats down');
        published.push(event);
      },
    });
    reporter.record(failure());
    reporter.record(failure({ userId: OTHER }));
    await reporter.flush();
    expect(published.map((e) => e.userId)).toEqual([OTHER]);
    expect(await counter(registry, 'validation_failure_events_total', { outcome: 'publish_failed' })).toBe(1);
    expect(await counter(registry, 'validation_failure_events_total', { outcome: 'published' })).toBe(1);
  });

  it('stop() publishes what is pending and ignores later failures', async () => {
    const { reporter, published } = setup();
    reporter.record(failure());
    await reporter.stop();
    reporter.record(failure());
    await vi.advanceTimersByTimeAsync(120_000);
    expect(published).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('shares counters between two reporters on one registry', async () => {
    const registry = new Registry();
    const a = createValidationFailureReporter({ publish: async () => {}, registry });
    const b = createValidationFailureReporter({ publish: async () => {}, registry });
    a.record(failure());
    b.record(failure());
    expect(await counter(registry, 'validation_failures_recorded_total', { reason: 'bad_signature' })).toBe(2);
    await Promise.all([a.stop(), b.stop()]);
  });

  it.each([{ windowMs: 0 }, { windowMs: 1.5 }, { maxEventsPerWindow: 0 }, { maxEventsPerWindow: -1 }])('rejects options %j', (bad) => {
    expect(() => createValidationFailureReporter({ publish: async () => {}, ...bad })).toThrow(TypeError);
  });
});
