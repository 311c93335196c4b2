import { CONSUMERS, TokenEventType, type TokenEventOf } from '@tessera/contracts';
import { FIXED_IDS, FIXED_NOW_ISO, FIXED_NOW_MS, sampleTokenEvent } from '@tessera/contracts/testing';
import { Topology } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { SWEEPER_EVENT_TYPES, isSweeperEvent, scheduleChangeFor, warningInstant } from './decide.js';

const NO_WARNING = { warningMs: 0 };
const DAY = 86_400_000;

function issued(data: Partial<TokenEventOf<'TokenIssued'>['data']> = {}): TokenEventOf<'TokenIssued'> {
  const base = sampleTokenEvent('TokenIssued');
  return { ...base, data: { ...base.data, ...data } };
}

describe('the events the sweeper acts on', () => {
  it('are exactly the contract consumer’s list, and the topology agrees for every type', () => {
    expect([...SWEEPER_EVENT_TYPES].sort()).toEqual([...(CONSUMERS.sweeper.events ?? [])].sort());
    const topology = new Topology({ namespace: '', eventsMaxAgeMs: DAY });
    for (const type of TokenEventType.options) {
      expect(isSweeperEvent(sampleTokenEvent(type)), type).toBe(topology.consumerHandles('sweeper', type));
    }
  });
});

describe('scheduleChangeFor', () => {
  it('given TokenIssued, schedules the token with its times', () => {
    expect(scheduleChangeFor(issued(), NO_WARNING)).toEqual({
      kind: 'schedule',
      tokenId: FIXED_IDS.tokenId,
      userId: FIXED_IDS.userId,
      familyId: FIXED_IDS.familyId,
      tokenType: 'ACCESS',
      issuedAt: FIXED_NOW_ISO,
      expiresAt: '2026-01-15T10:15:00.000Z',
      warnAt: null,
    });
  });

  it('lowercases ids so rows match the lowercase ids Postgres and subjects use', () => {
    const event = { ...issued({ tokenId: FIXED_IDS.tokenId.toUpperCase() }), userId: FIXED_IDS.userId.toUpperCase() };
    expect(scheduleChangeFor(event, NO_WARNING)).toMatchObject({ tokenId: FIXED_IDS.tokenId, userId: FIXED_IDS.userId });
  });

  it('given a refresh token and a warning period, schedules the warning that long before expiry', () => {
    const event = issued({ tokenType: 'REFRESH', expiresAt: new Date(FIXED_NOW_MS + 30 * DAY).toISOString() });
    expect(scheduleChangeFor(event, { warningMs: DAY })).toMatchObject({ warnAt: new Date(FIXED_NOW_MS + 29 * DAY).toISOString() });
    expect(scheduleChangeFor(issued({ expiresAt: event.data.expiresAt }), { warningMs: DAY })).toMatchObject({ warnAt: null });
  });

  it('given TokenRevoked (access or refresh), unschedules that token only', () => {
    for (const tokenType of ['ACCESS', 'REFRESH'] as const) {
      const base = sampleTokenEvent('TokenRevoked');
      const event = { ...base, data: { ...base.data, tokenType } };
      expect(scheduleChangeFor(event, NO_WARNING)).toEqual({ kind: 'unschedule', tokenId: FIXED_IDS.tokenId, expiresAt: base.data.expiresAt });
    }
  });

  it.each(['LogoutAll', 'PasswordChanged'] as const)('given %s, cuts the user off at notBefore, to the millisecond', (type) => {
    const base = sampleTokenEvent(type);
    const event = { ...base, data: { ...base.data, notBefore: FIXED_NOW_MS + 7 } } as TokenEventOf<typeof type>;
    expect(scheduleChangeFor(event, NO_WARNING)).toEqual({ kind: 'cutoff', userId: FIXED_IDS.userId, notBefore: '2026-01-15T10:00:00.007Z' });
  });
});

describe('warningInstant', () => {
  const issuedAt = FIXED_NOW_ISO;
  const in10Min = new Date(FIXED_NOW_MS + 600_000).toISOString();

  it('is null for access tokens and when warnings are off', () => {
    expect(warningInstant('ACCESS', issuedAt, in10Min, { warningMs: 60_000 })).toBeNull();
    expect(warningInstant('REFRESH', issuedAt, in10Min, { warningMs: 0 })).toBeNull();
  });

  it('is null when the token does not outlive the warning period (it would fire at issue)', () => {
    expect(warningInstant('REFRESH', issuedAt, in10Min, { warningMs: 600_000 })).toBeNull();
    expect(warningInstant('REFRESH', issuedAt, in10Min, { warningMs: 599_999 })).toBe('2026-01-15T10:00:00.001Z');
  });
});
