import { FIXED_NOW_MS } from '@tessera/contracts/testing';
import { describe, expect, it } from 'vitest';
import { FAMILY_A, FAMILY_B, USER, token, uuidV7At } from '../testing/tokens.js';
import { applyPush } from './live.js';

const iso = (offsetMs: number) => new Date(FIXED_NOW_MS + offsetMs).toISOString();
const aRefresh = token({ familyId: FAMILY_A, tokenType: 'REFRESH', createdAt: iso(-60_000) });
const aAccess = token({ familyId: FAMILY_A, tokenType: 'ACCESS', createdAt: iso(-60_000) });
const bRefresh = token({ familyId: FAMILY_B, tokenType: 'REFRESH', createdAt: iso(-1_000) });
const bAccess = token({ familyId: FAMILY_B, tokenType: 'ACCESS', createdAt: iso(-1_000) });
const all = [aRefresh, aAccess, bRefresh, bAccess];
const revoked = (tokenId: string) => ({ type: 'TOKEN_REVOKED' as const, tokenId, userId: USER, reason: 'lost phone', at: iso(0) });

describe('applyPush', () => {
  it('removes the whole session when its refresh token is revoked', () => {
    const result = applyPush(all, revoked(aRefresh.tokenId));
    expect(result.tokens).toEqual([bRefresh, bAccess]);
    expect(result.removedFamilies).toEqual([FAMILY_A]);
    expect(result.refetch).toBe(false);
  });

  it('keeps the session when only one access token is revoked', () => {
    const result = applyPush(all, revoked(aAccess.tokenId));
    expect(result.tokens).toEqual([aRefresh, bRefresh, bAccess]);
    expect(result.removedFamilies).toEqual([]);
  });

  it('re-reads the list for a token it has not seen (issued since the last read)', () => {
    const result = applyPush(all, revoked(uuidV7At(FIXED_NOW_MS, 0xfff)));
    expect(result).toEqual({ tokens: all, refetch: true, removedFamilies: [] });
  });

  it('matches ids whatever their case', () => {
    expect(applyPush(all, revoked(aRefresh.tokenId.toUpperCase())).removedFamilies).toEqual([FAMILY_A]);
  });

  it('drops everything issued up to a logout-all or password change, and re-reads', () => {
    const logoutAll = applyPush(all, { type: 'LOGOUT_ALL', userId: USER, reason: 'help desk', at: iso(-30_000) });
    expect(logoutAll.tokens).toEqual([bRefresh, bAccess]);
    expect(logoutAll.removedFamilies).toEqual([FAMILY_A]);
    expect(logoutAll.refetch).toBe(true);
    expect(applyPush(all, { type: 'PASSWORD_CHANGED', userId: USER, at: iso(0) }).tokens).toEqual([]);
  });

  it('ends a session whose refresh token expired, but not for an expired access token', () => {
    expect(applyPush(all, { type: 'TOKEN_EXPIRED', tokenId: bRefresh.tokenId, userId: USER, at: iso(0) }).removedFamilies).toEqual([FAMILY_B]);
    const accessGone = applyPush(all, { type: 'TOKEN_EXPIRED', tokenId: bAccess.tokenId, userId: USER, at: iso(0) });
    expect(accessGone.tokens).toEqual([aRefresh, aAccess, bRefresh]);
    expect(accessGone.removedFamilies).toEqual([]);
  });

  it('ignores pushes that change nothing in the list', () => {
    for (const message of [
      { type: 'SUBSCRIBED' as const, userId: USER },
      { type: 'PONG' as const, timestamp: iso(0) },
      { type: 'ERROR' as const, code: 'forbidden', message: 'no' },
      { type: 'TOKEN_EXPIRING' as const, tokenId: aRefresh.tokenId, userId: USER, expiresAt: iso(60_000) },
    ]) {
      expect(applyPush(all, message)).toEqual({ tokens: all, refetch: false, removedFamilies: [] });
    }
  });
});
