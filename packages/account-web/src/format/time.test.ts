import { describe, expect, it } from 'vitest';
import { formatRelative, formatWait } from './time.js';

describe('formatWait', () => {
  it.each([
    [0.2, '1 second'],
    [1, '1 second'],
    [59, '59 seconds'],
    [60, '1 minute'],
    [89, '1 minute'],
    [90, '2 minutes'],
    [900, '15 minutes'],
    [901, '15 minutes'],
    [3_600, '1 hour'],
    [3_629, '1 hour'],
    [3_631, '1 hour 1 minute'],
    [2 * 3_600 + 30 * 60, '2 hours 30 minutes'],
  ])('%s s reads "%s" (seconds rounded up, minutes to the nearest)', (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
});

describe('formatRelative', () => {
  const now = Date.parse('2026-01-15T10:00:00.000Z');
  it.each([
    ['2026-01-15T09:59:30.000Z', 'just now'],
    ['2026-01-15T09:55:00.000Z', '5 minutes ago'],
    ['2026-01-15T07:00:00.000Z', '3 hours ago'],
    ['2026-01-14T10:00:00.000Z', 'yesterday'],
    ['2026-01-18T10:00:00.000Z', 'in 3 days'],
  ])('%s is "%s"', (iso, text) => {
    expect(formatRelative(iso, now)).toBe(text);
  });
});
