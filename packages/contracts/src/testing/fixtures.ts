// Fixed ids, instants and one valid example of each event, for tests here and in other packages
// (meant for a `./testing` export, never the main surface). Everything is constant: no clock.
import type { Actor, TokenEventOf, TokenEventType } from '../events.js';
import { createTokenEvent } from '../events.js';

/** 2026-01-15T10:00:00.000Z, the instant every fixture id and time is built around. */
export const FIXED_NOW_MS = 1_768_471_200_000;
export const FIXED_NOW_ISO = '2026-01-15T10:00:00.000Z';

/** UUIDv7s whose timestamp is FIXED_NOW_MS (hex 019bc1190100). */
export const FIXED_IDS = {
  eventId: '019bc119-0100-7000-8000-000000000001',
  tokenId: '019bc119-0100-7000-8000-000000000002',
  familyId: '019bc119-0100-7000-8000-000000000003',
  parentTokenId: '019bc119-0100-7000-8000-000000000004',
  userId: '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f',
  otherUserId: 'c0ffee00-1234-4abc-8def-0123456789ab',
} as const;

export const FIXED_ACTOR: Actor = { kind: 'user', id: FIXED_IDS.userId };

const expiresAt = '2026-01-15T10:15:00.000Z';

/** A valid `data` for every token event type. */
export const SAMPLE_EVENT_DATA: { [T in TokenEventType]: TokenEventOf<T>['data'] } = {
  TokenIssued: {
    tokenId: FIXED_IDS.tokenId,
    tokenType: 'ACCESS',
    familyId: FIXED_IDS.familyId,
    parentTokenId: FIXED_IDS.parentTokenId,
    scopes: ['READ_PROFILE', 'READ_TOKENS'],
    issuedAt: FIXED_NOW_ISO,
    expiresAt,
    clientIp: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
    fingerprint: 'a3f5c0de',
    allowedCountries: ['FR', 'DE'],
  },
  TokenRevoked: {
    tokenId: FIXED_IDS.tokenId,
    tokenType: 'REFRESH',
    familyId: FIXED_IDS.familyId,
    reason: 'user logout',
    expiresAt,
  },
  LogoutAll: { notBefore: FIXED_NOW_MS, reason: 'logout all devices', revokedCount: 3 },
  PasswordChanged: { notBefore: FIXED_NOW_MS },
  TokenExpired: { tokenId: FIXED_IDS.tokenId, tokenType: 'ACCESS', expiresAt },
  TokenExpiring: { tokenId: FIXED_IDS.tokenId, tokenType: 'REFRESH', familyId: FIXED_IDS.familyId, expiresAt },
  TokenReuseDetected: {
    familyId: FIXED_IDS.familyId,
    tokenId: FIXED_IDS.parentTokenId,
    clientIp: '2001:db8::1',
    userAgent: 'curl/8.5.0',
  },
  TokenValidationFailed: {
    reason: 'bad_signature',
    tokenId: FIXED_IDS.tokenId,
    clientIp: '198.51.100.23',
    userAgent: 'python-requests/2.32.3',
    count: 12,
    windowStart: '2026-01-15T09:59:00.000Z',
    windowEnd: FIXED_NOW_ISO,
  },
  MfaEnabled: { method: 'totp', recoveryCodes: 10, clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' },
  MfaDisabled: { method: 'totp', clientIp: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' },
  RecoveryCodeUsed: { remaining: 9, clientIp: '198.51.100.23', userAgent: 'TesseraPhone/1.0 (Android 15)' },
};

/** A valid event of `type` with the fixed envelope; override any envelope field. */
export function sampleTokenEvent<T extends TokenEventType>(
  type: T,
  overrides: Partial<Omit<TokenEventOf<T>, 'type' | 'schemaVersion'>> = {},
): TokenEventOf<T> {
  return createTokenEvent(type, {
    id: FIXED_IDS.eventId,
    occurredAt: FIXED_NOW_ISO,
    userId: FIXED_IDS.userId,
    actor: FIXED_ACTOR,
    data: SAMPLE_EVENT_DATA[type],
    ...overrides,
  } as Omit<TokenEventOf<T>, 'type' | 'schemaVersion'>);
}
