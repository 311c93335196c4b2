import { describe, expect, it } from 'vitest';
import { RollingWindow } from './rate-limit.js';

describe('RollingWindow', () => {
  it('allows `limit` calls in any window and says when the next one is allowed', () => {
    const window = new RollingWindow(3, 60_000);
    expect(window.take(0)).toEqual({ allowed: true });
    expect(window.take(10_000)).toEqual({ allowed: true });
    expect(window.take(20_000)).toEqual({ allowed: true });
    expect(window.take(30_000)).toEqual({ allowed: false, retryAfterMs: 30_000 });
    // Refused calls are not recorded: the oldest call still frees the slot at 60 s.
    expect(window.take(59_999)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(window.take(60_000)).toEqual({ allowed: true });
    expect(window.take(60_001)).toEqual({ allowed: false, retryAfterMs: 9_999 });
    expect(window.take(70_000)).toEqual({ allowed: true });
  });

  it('is rolling, not fixed: a burst at the end of one minute counts against the start of the next', () => {
    const window = new RollingWindow(2, 60_000);
    expect(window.take(59_000).allowed).toBe(true);
    expect(window.take(59_500).allowed).toBe(true);
    expect(window.take(61_000).allowed).toBe(false);
    expect(window.take(119_000).allowed).toBe(true);
  });
});

describe('RollingWindow growth', () => {
  it('stays exact while its ring grows from a few slots to the limit', () => {
    const window = new RollingWindow(100, 1_000);
    for (let i = 0; i < 100; i++) expect(window.take(i).allowed).toBe(true);
    expect(window.take(500)).toEqual({ allowed: false, retryAfterMs: 500 });
    // Calls leave the window one by one, in order.
    expect(window.take(1_000).allowed).toBe(true);
    expect(window.take(1_000)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(window.take(1_001).allowed).toBe(true);
  });
});

describe('RollingWindow memory', () => {
  it('keeps only the calls inside the window, however many calls the token made in total', () => {
    const window = new RollingWindow(100_000, 10);
    for (let t = 0; t < 100_000; t++) expect(window.take(t).allowed).toBe(true);
    // One call per ms with a 10 ms window: never more than 10 instants held.
    expect(window.capacity).toBeLessThanOrEqual(16);
  });
});
