import { describe, it, expect } from 'vitest';
import { InvalidKvKeyError } from './errors.js';
import {
  CONSUMERS,
  DURABLE,
  KV_BUCKET,
  RevokedSessionEntry,
  RevokedTokenEntry,
  STREAMS,
  UserCutoffEntry,
  parseRevocationKey,
  revokedSessionKey,
  revokedTokenKey,
  userCutoffKey,
} from './names.js';
import { DurableName, dlqSubject } from './subjects.js';
import { FIXED_IDS, FIXED_NOW_MS } from './testing/fixtures.js';

describe('streams and consumers', () => {
  it('names the three streams and their subjects', () => {
    expect(STREAMS).toEqual({
      TOKEN_EVENTS: { name: 'TOKEN_EVENTS', subjects: ['tokens.>'] },
      TOKEN_EVENTS_DLQ: { name: 'TOKEN_EVENTS_DLQ', subjects: ['dlq.>'] },
      KEY_EVENTS: { name: 'KEY_EVENTS', subjects: ['keys.>'] },
    });
    expect(KV_BUCKET.REVOCATIONS).toBe('REVOCATIONS');
  });

  it('gives each durable consumer the filters of DESIGN §3', () => {
    expect(CONSUMERS.revocation.filterSubjects).toEqual([
      'tokens.revoked.*',
      'tokens.logout_all.*',
      'tokens.password_changed.*',
      'tokens.expired.*',
    ]);
    expect(CONSUMERS.audit).toMatchObject({ filterSubjects: ['tokens.>'], events: null });
    expect(CONSUMERS.sweeper.filterSubjects).toEqual([
      'tokens.issued.*',
      'tokens.revoked.*',
      'tokens.logout_all.*',
      'tokens.password_changed.*',
    ]);
    expect(CONSUMERS.tokenApiExpiry).toMatchObject({ durable: 'token-api-expiry', events: ['TokenExpired'] });
  });

  it('uses durable names that are valid and can name a DLQ subject', () => {
    for (const durable of Object.values(DURABLE)) {
      expect(DurableName.safeParse(durable).success).toBe(true);
      expect(dlqSubject(durable)).toBe(`dlq.${durable}`);
    }
    for (const c of Object.values(CONSUMERS)) expect(c.stream).toBe('TOKEN_EVENTS');
  });
});

describe('REVOCATIONS keys', () => {
  it('builds and parses jti, sid and sub keys', () => {
    expect(revokedTokenKey(FIXED_IDS.tokenId)).toBe(`jti.${FIXED_IDS.tokenId}`);
    expect(revokedSessionKey(FIXED_IDS.familyId)).toBe(`sid.${FIXED_IDS.familyId}`);
    expect(userCutoffKey(FIXED_IDS.userId.toUpperCase())).toBe(`sub.${FIXED_IDS.userId}`);
    expect(parseRevocationKey(revokedTokenKey(FIXED_IDS.tokenId))).toEqual({ kind: 'token', id: FIXED_IDS.tokenId });
    expect(parseRevocationKey(revokedSessionKey(FIXED_IDS.familyId))).toEqual({ kind: 'session', id: FIXED_IDS.familyId });
    expect(parseRevocationKey(userCutoffKey(FIXED_IDS.userId))).toEqual({ kind: 'user', id: FIXED_IDS.userId });
  });

  it.each(['a.b', '*', '>', '', 'x y', 'x'.repeat(500)])('refuses id %j in every builder', (id) => {
    for (const build of [revokedTokenKey, revokedSessionKey, userCutoffKey]) {
      expect(() => build(id)).toThrow(InvalidKvKeyError);
      expect(() => build(id)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KV_KEY' }));
    }
  });

  it.each(['jti', `jti.${FIXED_IDS.tokenId}.x`, `xyz.${FIXED_IDS.tokenId}`, 'jti.*', 'jti.>', 'sub.not-a-uuid', ''])(
    'parses %j as null',
    (key) => {
      expect(parseRevocationKey(key)).toBeNull();
    },
  );
});

describe('REVOCATIONS values', () => {
  it('accept valid entries', () => {
    expect(RevokedTokenEntry.parse({ exp: 1_768_472_100, reason: 'user logout', revokedAt: FIXED_NOW_MS })).toEqual({
      exp: 1_768_472_100,
      reason: 'user logout',
      revokedAt: FIXED_NOW_MS,
    });
    expect(RevokedSessionEntry.safeParse({ revokedAt: FIXED_NOW_MS, reason: 'refresh token reuse' }).success).toBe(true);
    expect(UserCutoffEntry.safeParse({ notBefore: FIXED_NOW_MS }).success).toBe(true);
  });

  it('strip unknown fields so a newer writer never breaks an older reader', () => {
    expect(UserCutoffEntry.parse({ notBefore: FIXED_NOW_MS, addedLater: true })).toEqual({ notBefore: FIXED_NOW_MS });
  });

  it.each([
    [RevokedTokenEntry, { reason: 'r', revokedAt: 1 }],
    [RevokedTokenEntry, { exp: 1.5, reason: 'r', revokedAt: 1 }],
    [RevokedTokenEntry, { exp: 1, reason: '', revokedAt: 1 }],
    [RevokedTokenEntry, { exp: 1, reason: 'r', revokedAt: '2026-01-15T10:00:00.000Z' }],
    [RevokedSessionEntry, { revokedAt: -1, reason: 'r' }],
    [RevokedSessionEntry, { revokedAt: 1, reason: 'x'.repeat(257) }],
    [UserCutoffEntry, {}],
    [UserCutoffEntry, { notBefore: '1768471200000' }],
  ] as const)('reject an invalid value (%#)', (schema, value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});
