import { WsCloseCode, type TokenEvent } from '@tessera/contracts';
import { sampleTokenEvent } from '@tessera/contracts/testing';
import { describe, expect, it } from 'vitest';
import type { SocketPrincipal } from './auth.js';
import { decideDelivery } from './delivery.js';

const USER = '0193a5c2-7b1e-7c3d-9f00-000000000001';
const OTHER = '0193a5c2-7b1e-7c3d-9f00-000000000002';
const TOKEN = '0193a5c2-7b1e-7c3d-9f00-00000000000a';
const SESSION = '0193a5c2-7b1e-7c3d-9f00-00000000000b';
const ISSUED = Date.parse('2026-11-22T10:00:00.000Z');

const own: SocketPrincipal = { userId: USER, tokenId: TOKEN, sessionId: SESSION, scopes: ['READ_TOKENS'], issuedAtMs: ISSUED, expiresAtMs: ISSUED + 900_000 };

function event<T extends TokenEvent['type']>(type: T, userId: string, data: Record<string, unknown>): TokenEvent {
  const base = sampleTokenEvent(type) as TokenEvent;
  return { ...base, userId, data: { ...base.data, ...data } } as TokenEvent;
}

describe('decideDelivery', () => {
  it('closes the socket whose own token is revoked, with TOKEN_REVOKED first', () => {
    const d = decideDelivery(event('TokenRevoked', USER, { tokenId: TOKEN, tokenType: 'ACCESS', familyId: SESSION }), own, []);
    expect(d?.message).toMatchObject({ type: 'TOKEN_REVOKED', tokenId: TOKEN, userId: USER });
    expect(d?.closeWith).toBe(WsCloseCode.TOKEN_REVOKED);
  });

  it('closes every socket of a session when its refresh token is revoked', () => {
    const other = '0193a5c2-7b1e-7c3d-9f00-0000000000ff';
    const d = decideDelivery(event('TokenRevoked', USER, { tokenId: other, tokenType: 'REFRESH', familyId: SESSION }), own, []);
    expect(d?.closeWith).toBe(WsCloseCode.TOKEN_REVOKED);
    // An access token of the same session being revoked ends only that token.
    expect(decideDelivery(event('TokenRevoked', USER, { tokenId: other, tokenType: 'ACCESS', familyId: SESSION }), own, [])).toBeNull();
  });

  it('tells a subscriber about another token of the user without closing', () => {
    const other = '0193a5c2-7b1e-7c3d-9f00-0000000000ff';
    const d = decideDelivery(event('TokenRevoked', USER, { tokenId: other, tokenType: 'ACCESS', familyId: other }), own, [{ userId: USER }]);
    expect(d).toEqual({ message: expect.objectContaining({ type: 'TOKEN_REVOKED', tokenId: other }) });
  });

  it('narrows a subscription to one token but keeps user-wide events', () => {
    const other = '0193a5c2-7b1e-7c3d-9f00-0000000000ff';
    const sub = [{ userId: USER, tokenId: other }];
    expect(decideDelivery(event('TokenRevoked', USER, { tokenId: TOKEN.replace('a', 'c'), tokenType: 'ACCESS', familyId: other }), { ...own, tokenId: other.replace('f', 'e') }, sub)).toBeNull();
    expect(decideDelivery(event('TokenExpired', USER, { tokenId: other }), own, sub)?.message.type).toBe('TOKEN_EXPIRED');
  });

  it('closes on logout-all and password change only for tokens issued before notBefore (ms)', () => {
    const before = decideDelivery(event('LogoutAll', USER, { notBefore: ISSUED + 1 }), own, []);
    expect(before?.closeWith).toBe(WsCloseCode.LOGGED_OUT_EVERYWHERE);
    expect(decideDelivery(event('LogoutAll', USER, { notBefore: ISSUED }), own, [])).toBeNull();
    expect(decideDelivery(event('LogoutAll', USER, { notBefore: ISSUED }), own, [{ userId: USER }])?.closeWith).toBeUndefined();
    expect(decideDelivery(event('PasswordChanged', USER, { notBefore: ISSUED + 5 }), own, [])?.closeWith).toBe(WsCloseCode.PASSWORD_CHANGED);
  });

  it('closes on the own token expiring, and only warns for TokenExpiring', () => {
    expect(decideDelivery(event('TokenExpired', USER, { tokenId: TOKEN }), own, [])?.closeWith).toBe(WsCloseCode.TOKEN_EXPIRED);
    const warn = decideDelivery(event('TokenExpiring', USER, { tokenId: TOKEN }), own, [{ userId: USER }]);
    expect(warn?.message.type).toBe('TOKEN_EXPIRING');
    expect(warn?.closeWith).toBeUndefined();
  });

  it('tells every subscriber of the user (token-narrowed too) that MFA was disabled, without closing any socket', () => {
    const at = '2026-11-22T10:05:00.000Z';
    const disabled = { ...event('MfaDisabled', USER, {}), occurredAt: at } as TokenEvent;
    expect(decideDelivery(disabled, own, [{ userId: USER }])).toEqual({ message: { type: 'MFA_DISABLED', userId: USER, at } });
    expect(decideDelivery(disabled, own, [{ userId: USER, tokenId: '0193a5c2-7b1e-7c3d-9f00-0000000000ff' }])).toEqual({ message: { type: 'MFA_DISABLED', userId: USER, at } });
    // Not the socket's business unless it subscribed; never a close reason.
    expect(decideDelivery(disabled, own, [])).toBeNull();
    expect(decideDelivery({ ...disabled, userId: OTHER } as TokenEvent, own, [{ userId: USER }])).toBeNull();
    expect(decideDelivery(event('MfaEnabled', USER, {}), own, [{ userId: USER }])).toBeNull();
    expect(decideDelivery(event('RecoveryCodeUsed', USER, {}), own, [{ userId: USER }])).toBeNull();
  });

  it("sends nothing about another user unless subscribed (admins), and nothing for issued tokens", () => {
    expect(decideDelivery(event('LogoutAll', OTHER, { notBefore: ISSUED + 1 }), own, [])).toBeNull();
    expect(decideDelivery(event('LogoutAll', OTHER, { notBefore: ISSUED + 1 }), own, [{ userId: OTHER }])?.closeWith).toBeUndefined();
    expect(decideDelivery(event('TokenIssued', USER, {}), own, [{ userId: USER }])).toBeNull();
  });
});
