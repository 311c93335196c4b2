import { FIXED_NOW_MS } from '@tessera/contracts/testing';
import { describe, expect, it } from 'vitest';
import { FAMILY_A, FAMILY_B, token } from '../testing/tokens.js';
import { countryName, deviceLabel, groupSessions } from './group.js';

const iso = (offsetMs: number) => new Date(FIXED_NOW_MS + offsetMs).toISOString();

describe('groupSessions', () => {
  const a1 = token({ familyId: FAMILY_A, tokenType: 'REFRESH', createdAt: iso(-30 * 60_000), lastUsedAt: iso(-20 * 60_000), clientIp: '198.51.100.1' });
  const a2 = token({ familyId: FAMILY_A, tokenType: 'ACCESS', createdAt: iso(-5 * 60_000), lastUsedAt: iso(-60_000), clientIp: '198.51.100.9', country: 'FR' });
  const b1 = token({
    familyId: FAMILY_B,
    tokenType: 'REFRESH',
    createdAt: iso(-10 * 60_000),
    lastUsedAt: null,
    device: { browser: 'Safari', os: 'iOS', type: 'mobile' },
  });

  it('makes one entry per refresh family, this device first', () => {
    const sessions = groupSessions([a1, b1, a2], FAMILY_B);
    expect(sessions.map((s) => [s.familyId, s.current])).toEqual([
      [FAMILY_B, true],
      [FAMILY_A, false],
    ]);
  });

  it('orders the others by last activity', () => {
    const c = token({ familyId: '019bc0a0-0000-7000-8000-00000000000c', createdAt: iso(-1_000), lastUsedAt: iso(-1_000) });
    expect(groupSessions([a1, a2, b1, c], null).map((s) => s.familyId)).toEqual([c.familyId, FAMILY_A, FAMILY_B]);
  });

  it('takes device and IP from the newest token, activity from the latest use, sign-in from the family id', () => {
    const [a] = groupSessions([a1, a2], null);
    expect(a).toMatchObject({
      clientIp: '198.51.100.9',
      country: 'FR',
      lastActiveAt: iso(-60_000),
      // FAMILY_A is a UUIDv7 minted an hour before FIXED_NOW: the login, older than any listed token.
      signedInAt: iso(-3_600_000),
      refreshTokenIds: [a1.tokenId],
      tokenIds: [a2.tokenId, a1.tokenId],
    });
  });

  it('falls back to the oldest token when the family id carries no time, and to creation when never used', () => {
    const v4Family = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
    const [s] = groupSessions([token({ familyId: v4Family, createdAt: iso(-7_000) }), token({ familyId: v4Family, createdAt: iso(-2_000) })], null);
    expect(s!.signedInAt).toBe(iso(-7_000));
    expect(s!.lastActiveAt).toBe(iso(-2_000));
    expect(s!.country).toBeNull();
  });

  it('marks the current session from the server flag too', () => {
    const [s] = groupSessions([{ ...b1, current: true }], null);
    expect(s!.current).toBe(true);
  });
});

describe('labels', () => {
  it('names the browser and system, without "Unknown" noise', () => {
    expect(deviceLabel({ browser: 'Chrome', os: 'macOS', type: 'desktop' })).toBe('Chrome on macOS');
    expect(deviceLabel({ browser: 'Unknown', os: 'Unknown', type: 'other' })).toBe('Unknown browser');
    expect(deviceLabel({ browser: 'curl', os: '', type: 'bot' })).toBe('curl');
  });

  it('spells out countries', () => {
    expect(countryName('FR')).toBe('France');
    expect(countryName('DE', 'de')).toBe('Deutschland');
  });
});
