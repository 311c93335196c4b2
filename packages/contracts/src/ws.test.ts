import { describe, it, expect } from 'vitest';
import { TokenEventType } from './events.js';
import { FIXED_IDS, FIXED_NOW_ISO, sampleTokenEvent } from './testing/fixtures.js';
import {
  ClientMessage,
  ServerMessage,
  WS_MAX_CLIENT_MESSAGE_CHARS,
  WsCloseCode,
  WsErrorCode,
  parseClientMessage,
  serverMessageForEvent,
} from './ws.js';

const USER = FIXED_IDS.userId;
const TOKEN = FIXED_IDS.tokenId;

describe('client messages', () => {
  it.each([
    { type: 'AUTH', token: 'eyJ.a.b' },
    { type: 'SUBSCRIBE', userId: USER },
    { type: 'SUBSCRIBE', userId: USER, tokenId: TOKEN },
    { type: 'PING' },
  ])('accepts %j', (message) => {
    expect(ClientMessage.safeParse(message).success).toBe(true);
    expect(parseClientMessage(JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it.each([
    [{ type: 'AUTH' }],
    [{ type: 'AUTH', token: '' }],
    [{ type: 'AUTH', token: 'x'.repeat(4097) }],
    [{ type: 'SUBSCRIBE' }],
    [{ type: 'SUBSCRIBE', userId: 'tokens.>' }],
    [{ type: 'SUBSCRIBE', userId: USER, tokenId: '*' }],
    [{ type: 'PING', extra: 1 }],
    [{ type: 'SUBSCRIBE', userId: USER, all: true }],
  ])('rejects %j as invalid_message', (message) => {
    expect(ClientMessage.safeParse(message).success).toBe(false);
    expect(parseClientMessage(JSON.stringify(message))).toMatchObject({ ok: false, code: 'invalid_message' });
  });

  it.each(['', 'not json', '{', 'null', '42', '"PING"', '[{"type":"PING"}]', '{}', '{"type":7}', '{"type":null}'])(
    'rejects the malformed frame %j as invalid_message',
    (raw) => {
      expect(parseClientMessage(raw)).toMatchObject({ ok: false, code: WsErrorCode.INVALID_MESSAGE });
    },
  );

  it('tells an unknown type apart from a malformed message', () => {
    expect(parseClientMessage('{"type":"UNSUBSCRIBE","userId":"x"}')).toEqual({
      ok: false,
      code: 'unknown_type',
      message: 'unknown message type',
    });
    expect(parseClientMessage('{"type":"ping"}')).toMatchObject({ code: 'unknown_type' });
    // Server-to-client types are not accepted from a client.
    expect(parseClientMessage('{"type":"PONG","timestamp":"2026-01-15T10:00:00.000Z"}')).toMatchObject({ code: 'unknown_type' });
  });

  it('names the failing field without echoing the input', () => {
    const result = parseClientMessage(JSON.stringify({ type: 'SUBSCRIBE', userId: 'secret-value' }));
    expect(result).toEqual({ ok: false, code: 'invalid_message', message: 'invalid SUBSCRIBE message at userId' });
  });

  it('refuses oversized frames before parsing them', () => {
    const raw = JSON.stringify({ type: 'AUTH', token: 'x'.repeat(WS_MAX_CLIENT_MESSAGE_CHARS) });
    expect(parseClientMessage(raw)).toEqual({ ok: false, code: 'invalid_message', message: 'message too large' });
  });

  it('ignores prototype keys in the input', () => {
    expect(parseClientMessage('{"type":"PING","__proto__":{"admin":true}}')).toMatchObject({ ok: false });
  });
});

describe('server messages', () => {
  it.each([
    { type: 'SUBSCRIBED', userId: USER },
    { type: 'SUBSCRIBED', userId: USER, tokenId: TOKEN },
    { type: 'TOKEN_REVOKED', tokenId: TOKEN, userId: USER, reason: 'user logout', at: FIXED_NOW_ISO },
    { type: 'LOGOUT_ALL', userId: USER, reason: 'logout all devices', at: FIXED_NOW_ISO },
    { type: 'TOKEN_EXPIRED', tokenId: TOKEN, userId: USER, at: FIXED_NOW_ISO },
    { type: 'TOKEN_EXPIRING', tokenId: TOKEN, userId: USER, expiresAt: FIXED_NOW_ISO },
    { type: 'PASSWORD_CHANGED', userId: USER, at: FIXED_NOW_ISO },
    { type: 'MFA_DISABLED', userId: USER, at: FIXED_NOW_ISO },
    { type: 'PONG', timestamp: FIXED_NOW_ISO },
    { type: 'ERROR', code: 'forbidden', message: 'you may only subscribe to your own user' },
  ])('accepts $type', (message) => {
    expect(ServerMessage.safeParse(message).success).toBe(true);
  });

  it.each([
    { type: 'TOKEN_REVOKED', userId: USER, reason: 'x', at: FIXED_NOW_ISO },
    { type: 'TOKEN_REVOKED', tokenId: TOKEN, userId: USER, reason: '', at: FIXED_NOW_ISO },
    { type: 'LOGOUT_ALL', userId: USER, reason: 'x', at: 1_768_471_200_000 },
    { type: 'PASSWORD_CHANGED', userId: USER, at: FIXED_NOW_ISO, extra: 1 },
    { type: 'PONG' },
    { type: 'MFA_DISABLED', userId: USER },
    { type: 'MFA_DISABLED', userId: 'someone', at: FIXED_NOW_ISO },
    { type: 'TOKEN_EXPIRING', tokenId: TOKEN, userId: USER },
    { type: 'TOKEN_EXPIRING', tokenId: TOKEN, userId: USER, at: FIXED_NOW_ISO },
    { type: 'TOKEN_EXPIRING', tokenId: TOKEN, userId: USER, expiresAt: '2026-01-15T10:00:00Z' },
    { type: 'ERROR', code: 'Bad Code', message: 'x' },
    { type: 'ERROR', code: 'forbidden', message: 'x'.repeat(513) },
    { type: 'PING' },
  ])('rejects %j', (message) => {
    expect(ServerMessage.safeParse(message).success).toBe(false);
  });
});

describe('serverMessageForEvent', () => {
  it('turns revocation-type events into pushes, with `at` = occurredAt', () => {
    expect(serverMessageForEvent(sampleTokenEvent('TokenRevoked'))).toEqual({
      type: 'TOKEN_REVOKED',
      tokenId: TOKEN,
      userId: USER,
      reason: 'user logout',
      at: FIXED_NOW_ISO,
    });
    expect(serverMessageForEvent(sampleTokenEvent('LogoutAll'))).toEqual({
      type: 'LOGOUT_ALL',
      userId: USER,
      reason: 'logout all devices',
      at: FIXED_NOW_ISO,
    });
    expect(serverMessageForEvent(sampleTokenEvent('TokenExpired'))).toMatchObject({ type: 'TOKEN_EXPIRED', tokenId: TOKEN });
    expect(serverMessageForEvent(sampleTokenEvent('PasswordChanged'))).toEqual({ type: 'PASSWORD_CHANGED', userId: USER, at: FIXED_NOW_ISO });
    expect(serverMessageForEvent(sampleTokenEvent('TokenIssued'))).toBeNull();
    expect(serverMessageForEvent(sampleTokenEvent('TokenReuseDetected'))).toBeNull();
    expect(serverMessageForEvent(sampleTokenEvent('TokenValidationFailed'))).toBeNull();
  });

  it('turns TokenExpiring into TOKEN_EXPIRING carrying the expiry instant, not occurredAt', () => {
    const event = sampleTokenEvent('TokenExpiring', { occurredAt: '2026-01-15T10:05:00.000Z' });
    expect(serverMessageForEvent(event)).toEqual({
      type: 'TOKEN_EXPIRING',
      tokenId: TOKEN,
      userId: USER,
      expiresAt: '2026-01-15T10:15:00.000Z',
    });
  });

  it('turns MfaDisabled into MFA_DISABLED for the user, and keeps MfaEnabled and RecoveryCodeUsed off sockets', () => {
    expect(serverMessageForEvent(sampleTokenEvent('MfaDisabled'))).toEqual({ type: 'MFA_DISABLED', userId: USER, at: FIXED_NOW_ISO });
    expect(serverMessageForEvent(sampleTokenEvent('MfaEnabled'))).toBeNull();
    expect(serverMessageForEvent(sampleTokenEvent('RecoveryCodeUsed'))).toBeNull();
  });

  it.each(TokenEventType.options)('produces a valid server message (or none) for %s', (type) => {
    const message = serverMessageForEvent(sampleTokenEvent(type));
    if (message !== null) expect(ServerMessage.safeParse(message).success).toBe(true);
  });
});

describe('codes', () => {
  it('lists the error codes', () => {
    expect(Object.values(WsErrorCode).sort()).toEqual(
      ['auth_timeout', 'forbidden', 'internal_error', 'invalid_message', 'rate_limited', 'too_many_connections', 'unauthorized', 'unknown_type'],
    );
  });

  it('keeps application close codes in 4000–4999 and all codes distinct', () => {
    const codes = Object.values(WsCloseCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, code] of Object.entries(WsCloseCode)) {
      if (!['GOING_AWAY', 'POLICY_VIOLATION', 'MESSAGE_TOO_BIG'].includes(name)) {
        expect(code).toBeGreaterThanOrEqual(4000);
        expect(code).toBeLessThanOrEqual(4999);
      }
    }
    expect(WsCloseCode).toMatchObject({ UNAUTHORIZED: 4001, TOKEN_REVOKED: 4010, LOGGED_OUT_EVERYWHERE: 4011, TOO_MANY_ERRORS: 4029 });
  });
});
