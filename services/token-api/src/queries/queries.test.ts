import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';
import { deviceOf } from './device.js';

describe('cursors', () => {
  const position = { createdAt: 1_768_471_200_123, id: '019bc119-0000-7000-8000-0000000000a1' };
  it('round-trip, opaque and URL-safe', () => {
    const cursor = encodeCursor('active', position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('active', cursor)).toEqual(position);
    expect(decodeCursor('active', undefined)).toBeNull();
  });
  it('refuse another list’s cursor and anything that is not one', () => {
    for (const bad of [encodeCursor('ip', position), 'abc', Buffer.from('active.x.y').toString('base64url'), Buffer.from(`active.99999999999999999.${position.id}`).toString('base64url')]) {
      expect(() => decodeCursor('active', bad)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});

describe('deviceOf', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', { browser: 'Firefox', os: 'Linux', type: 'desktop' }],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', { browser: 'Chrome', os: 'Windows', type: 'desktop' }],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', { os: 'iOS', type: 'mobile' }],
    ['Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1', { os: 'iOS', type: 'tablet' }],
    ['Googlebot/2.1 (+http://www.google.com/bot.html)', { type: 'bot' }],
    ['curl/8.5.0', { browser: 'curl', type: 'bot' }],
    ['', { browser: 'Unknown', os: 'Unknown', type: 'other' }],
  ])('%s', (ua, expected) => {
    expect(deviceOf(ua)).toMatchObject(expected);
  });
});
