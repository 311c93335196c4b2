import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { InvalidEventError } from './errors.js';
import {
  EVENT_SUBJECT_NAME,
  KeyEvent,
  LogoutAll,
  SigningKeyRotated,
  TokenEvent,
  TokenEventType,
  TokenExpiring,
  TokenIssued,
  TokenValidationFailed,
  UNKNOWN_USER_ID,
  ValidationFailureReason,
  createKeyEvent,
  createTokenEvent,
  parseKeyEvent,
  parseTokenEvent,
} from './events.js';
import { FIXED_ACTOR, FIXED_IDS, FIXED_NOW_ISO, SAMPLE_EVENT_DATA, sampleTokenEvent } from './testing/fixtures.js';

const TYPES = TokenEventType.options;

/** A deep copy to mutate freely in a rejection case. */
function clone<T>(v: T): Record<string, any> {
  return structuredClone(v) as Record<string, any>;
}

describe('token events', () => {
  it('covers the token events of DESIGN §3', () => {
    expect([...TYPES].sort()).toEqual(
      [
        'LogoutAll',
        'MfaDisabled',
        'MfaEnabled',
        'PasswordChanged',
        'RecoveryCodeUsed',
        'TokenExpired',
        'TokenExpiring',
        'TokenIssued',
        'TokenReuseDetected',
        'TokenRevoked',
        'TokenValidationFailed',
      ],
    );
    expect(Object.keys(EVENT_SUBJECT_NAME).sort()).toEqual([...TYPES].sort());
  });

  it('maps every type to a distinct, subject-safe event name', () => {
    const names = Object.values(EVENT_SUBJECT_NAME);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z_]+$/);
    expect(EVENT_SUBJECT_NAME.LogoutAll).toBe('logout_all');
  });

  it.each(TYPES)('%s: a valid example parses unchanged', (type) => {
    const event = sampleTokenEvent(type);
    const result = parseTokenEvent(JSON.parse(JSON.stringify(event)));
    expect(result.success).toBe(true);
    expect(result.data).toEqual(event);
  });

  it.each(TYPES)('%s: every required data field is required', (type) => {
    const optional = type === 'TokenValidationFailed' ? ['tokenId'] : ['parentTokenId', 'allowedCountries'];
    const required = Object.keys(SAMPLE_EVENT_DATA[type]).filter((k) => !optional.includes(k));
    expect(required.length).toBeGreaterThan(0);
    for (const field of required) {
      const event = clone(sampleTokenEvent(type));
      delete event['data'][field];
      expect(parseTokenEvent(event).success, `${type} without data.${field}`).toBe(false);
    }
  });

  it.each(TYPES)('%s: every envelope field is required', (type) => {
    for (const field of ['id', 'type', 'schemaVersion', 'occurredAt', 'userId', 'actor', 'data']) {
      const event = clone(sampleTokenEvent(type));
      delete event[field];
      expect(parseTokenEvent(event).success, `${type} without ${field}`).toBe(false);
    }
  });

  it.each(TYPES)('%s: extra fields are rejected in the envelope, data and actor', (type) => {
    for (const mutate of [
      (e: Record<string, any>) => (e['extra'] = 1),
      (e: Record<string, any>) => (e['data']['extra'] = 1),
      (e: Record<string, any>) => (e['actor']['extra'] = 1),
    ]) {
      const event = clone(sampleTokenEvent(type));
      mutate(event);
      expect(parseTokenEvent(event).success).toBe(false);
    }
  });

  it.each([
    ['schemaVersion 2', (e: Record<string, any>) => (e['schemaVersion'] = 2)],
    ['unknown type', (e: Record<string, any>) => (e['type'] = 'TokenStolen')],
    ['v4 event id', (e: Record<string, any>) => (e['id'] = FIXED_IDS.userId)],
    ['occurredAt without ms', (e: Record<string, any>) => (e['occurredAt'] = '2026-01-15T10:00:00Z')],
    ['occurredAt with offset', (e: Record<string, any>) => (e['occurredAt'] = '2026-01-15T11:00:00.000+01:00')],
    ['occurredAt as number', (e: Record<string, any>) => (e['occurredAt'] = 1_768_471_200_000)],
    ['non-UUID userId', (e: Record<string, any>) => (e['userId'] = 'tokens.>')],
    ['unknown actor kind', (e: Record<string, any>) => (e['actor']['kind'] = 'robot')],
    ['empty actor id', (e: Record<string, any>) => (e['actor']['id'] = '')],
    ['oversized actor id', (e: Record<string, any>) => (e['actor']['id'] = 'x'.repeat(129))],
    ['data of another type', (e: Record<string, any>) => (e['data'] = SAMPLE_EVENT_DATA.PasswordChanged)],
  ])('rejects %s', (_label, mutate) => {
    const event = clone(sampleTokenEvent('TokenRevoked'));
    mutate(event);
    expect(parseTokenEvent(event).success).toBe(false);
  });

  it.each([null, undefined, 'TokenRevoked', 42, []])('rejects the non-object %j', (value) => {
    expect(parseTokenEvent(value).success).toBe(false);
  });

  it('TokenIssued: optional fields may be absent; bounds hold', () => {
    const base = sampleTokenEvent('TokenIssued');
    const { parentTokenId: _p, allowedCountries: _a, ...minimal } = base.data;
    expect(TokenIssued.safeParse({ ...base, data: minimal }).success).toBe(true);

    const bad: Array<Partial<typeof base.data> | Record<string, unknown>> = [
      { tokenType: 'ID' },
      { scopes: ['ROOT'] },
      { scopes: ['READ_PROFILE', 'READ_PROFILE'] },
      { allowedCountries: ['fr'] },
      { allowedCountries: ['FRA'] },
      { allowedCountries: Array.from({ length: 251 }, () => 'FR') },
      { fingerprint: 'not hex' },
      { fingerprint: 'a'.repeat(129) },
      { userAgent: 'x'.repeat(513) },
      { clientIp: 'not-an-ip' },
      { parentTokenId: 'nope' },
      { expiresAt: 'tomorrow' },
    ];
    for (const patch of bad) {
      expect(TokenIssued.safeParse({ ...base, data: { ...base.data, ...patch } }).success, JSON.stringify(patch)).toBe(false);
    }
  });

  it('LogoutAll: notBefore is integer epoch ms, revokedCount >= 0, reason bounded', () => {
    const base = sampleTokenEvent('LogoutAll');
    for (const patch of [
      { notBefore: 1.5 },
      { notBefore: -1 },
      { notBefore: FIXED_NOW_ISO },
      { revokedCount: -1 },
      { reason: '' },
      { reason: 'x'.repeat(257) },
    ]) {
      expect(LogoutAll.safeParse({ ...base, data: { ...base.data, ...patch } }).success, JSON.stringify(patch)).toBe(false);
    }
  });

  it('TokenExpiring: subject name `expiring`; names the family; times are ISO with ms', () => {
    expect(EVENT_SUBJECT_NAME.TokenExpiring).toBe('expiring');
    const base = sampleTokenEvent('TokenExpiring');
    expect(TokenExpiring.safeParse(base).success).toBe(true);
    for (const patch of [
      { familyId: 'not-a-uuid' },
      { tokenType: 'ID' },
      { expiresAt: '2026-01-15T10:15:00Z' },
      { expiresAt: 1_768_472_100_000 },
    ]) {
      expect(TokenExpiring.safeParse({ ...base, data: { ...base.data, ...patch } }).success, JSON.stringify(patch)).toBe(false);
    }
  });

  it('TokenValidationFailed: subject name `validation_failed`; the verifier reasons; count >= 1', () => {
    expect(EVENT_SUBJECT_NAME.TokenValidationFailed).toBe('validation_failed');
    expect(ValidationFailureReason.options).toHaveLength(14);
    expect(ValidationFailureReason.options).not.toContain('revocation_state_stale');
    const base = sampleTokenEvent('TokenValidationFailed');
    const { tokenId: _t, ...withoutToken } = base.data;
    expect(TokenValidationFailed.safeParse({ ...base, data: withoutToken }).success).toBe(true);
    for (const reason of ValidationFailureReason.options) {
      expect(TokenValidationFailed.safeParse({ ...base, data: { ...base.data, reason } }).success, reason).toBe(true);
    }
    for (const patch of [
      { reason: 'revocation_state_stale' },
      { reason: 'Bad Signature' },
      { count: 0 },
      { count: 1.5 },
      { clientIp: 'unknown' },
      { userAgent: 'x'.repeat(513) },
      { windowStart: '2026-01-15T09:59:00Z' },
      { windowEnd: 1_768_471_200_000 },
      { tokenId: 'not-a-uuid' },
    ]) {
      expect(TokenValidationFailed.safeParse({ ...base, data: { ...base.data, ...patch } }).success, JSON.stringify(patch)).toBe(false);
    }
  });

  it('TokenValidationFailed: an unknown user is the nil UUID, a valid subject token', () => {
    expect(UNKNOWN_USER_ID).toBe('00000000-0000-0000-0000-000000000000');
    const event = sampleTokenEvent('TokenValidationFailed', { userId: UNKNOWN_USER_ID });
    expect(parseTokenEvent(JSON.parse(JSON.stringify(event))).success).toBe(true);
  });

  it('MFA events: subject names; the method is an enum; counts are non-negative integers', () => {
    expect([EVENT_SUBJECT_NAME.MfaEnabled, EVENT_SUBJECT_NAME.MfaDisabled, EVENT_SUBJECT_NAME.RecoveryCodeUsed]).toEqual(['mfa_enabled', 'mfa_disabled', 'recovery_code_used']);
    const cases = [
      ['MfaEnabled', [{ method: 'sms' }, { recoveryCodes: -1 }, { recoveryCodes: 1.5 }, { clientIp: 'somewhere' }, { secret: 'JBSWY3DPEHPK3PXP' }]],
      ['MfaDisabled', [{ method: 'TOTP' }, { userAgent: 'x'.repeat(513) }, { recoveryCodes: 10 }]],
      ['RecoveryCodeUsed', [{ remaining: -1 }, { remaining: '9' }, { code: 'ABCD-EFGH-JKMN-PQRS' }]],
    ] as const;
    for (const [type, patches] of cases) {
      const base = sampleTokenEvent(type);
      expect(parseTokenEvent(base).success, type).toBe(true);
      for (const patch of patches) {
        expect(parseTokenEvent({ ...base, data: { ...base.data, ...patch } }).success, `${type} ${JSON.stringify(patch)}`).toBe(false);
      }
    }
  });

  it('the union narrows on type', () => {
    const event: TokenEvent = sampleTokenEvent('TokenExpired');
    if (event.type !== 'TokenExpired') throw new Error('unreachable');
    expect(event.data.tokenType).toBe('ACCESS');
  });
});

describe('createTokenEvent', () => {
  it('adds type and schemaVersion', () => {
    const event = createTokenEvent('PasswordChanged', {
      id: FIXED_IDS.eventId,
      occurredAt: FIXED_NOW_ISO,
      userId: FIXED_IDS.userId,
      actor: FIXED_ACTOR,
      data: { notBefore: 1_768_471_200_000 },
    });
    expect(event).toEqual({
      id: FIXED_IDS.eventId,
      type: 'PasswordChanged',
      schemaVersion: 1,
      occurredAt: FIXED_NOW_ISO,
      userId: FIXED_IDS.userId,
      actor: FIXED_ACTOR,
      data: { notBefore: 1_768_471_200_000 },
    });
  });

  it('throws InvalidEventError carrying the ZodError', () => {
    let caught: unknown;
    try {
      createTokenEvent('PasswordChanged', {
        id: 'not-v7',
        occurredAt: FIXED_NOW_ISO,
        userId: FIXED_IDS.userId,
        actor: FIXED_ACTOR,
        data: { notBefore: 1 },
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidEventError);
    expect(caught).toMatchObject({ code: 'ERR_INVALID_EVENT' });
    expect((caught as Error).cause).toBeInstanceOf(z.ZodError);
  });
});

describe('key events', () => {
  const rotated = createKeyEvent('SigningKeyRotated', {
    id: FIXED_IDS.eventId,
    occurredAt: FIXED_NOW_ISO,
    actor: { kind: 'system', id: 'key-rotation' },
    data: { kid: '2026-01-15.es256', alg: 'ES256', activatesAt: '2026-01-15T11:00:00.000Z' },
  });

  it('parses a valid SigningKeyRotated', () => {
    expect(parseKeyEvent(JSON.parse(JSON.stringify(rotated)))).toMatchObject({ success: true, data: rotated });
    expect(KeyEvent.options).toEqual([SigningKeyRotated]);
  });

  it('has no userId, and is not a token event', () => {
    expect(parseKeyEvent({ ...rotated, userId: FIXED_IDS.userId }).success).toBe(false);
    expect(parseTokenEvent(rotated).success).toBe(false);
    expect(parseKeyEvent(sampleTokenEvent('TokenRevoked')).success).toBe(false);
  });

  it.each([
    { alg: 'HS256' },
    { alg: 'none' },
    { kid: 'has space' },
    { kid: '' },
    { kid: 'k'.repeat(129) },
    { activatesAt: '2026-01-15' },
    { extra: true },
  ])('rejects data %j', (patch) => {
    expect(parseKeyEvent({ ...rotated, data: { ...rotated.data, ...patch } }).success).toBe(false);
  });
});
