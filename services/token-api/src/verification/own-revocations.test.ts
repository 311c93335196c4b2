import { createTokenEvent } from '@tessera/contracts';
import { RevocationIndex } from '@tessera/verifier';
import { describe, expect, it } from 'vitest';
import { OwnRevocations, combinedRevocations } from './own-revocations.js';

const NOW = 1_768_471_200_000;
const USER = '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f';
const FAMILY = '019bc119-0000-7000-8000-00000000f001';
const actor = { kind: 'user' as const, id: USER };
const revoked = (tokenType: 'ACCESS' | 'REFRESH', tokenId: string, expiresAt: number) =>
  createTokenEvent('TokenRevoked', { id: '019bc119-0100-7000-8000-000000000001', occurredAt: new Date(NOW).toISOString(), userId: USER, actor, data: { tokenId, tokenType, familyId: FAMILY, reason: 'logout', expiresAt: new Date(expiresAt).toISOString() } });

describe('OwnRevocations', () => {
  it('knows a revoked access token until it expires, a session and a user cutoff for an access-token lifetime', () => {
    let now = NOW;
    const own = new OwnRevocations(15 * 60_000, () => now);
    own.record(revoked('ACCESS', '019bc119-0000-7000-8000-0000000000a1', NOW + 60_000));
    own.record(revoked('REFRESH', '019bc119-0000-7000-8000-0000000000a2', NOW + 86_400_000));
    own.record(createTokenEvent('LogoutAll', { id: '019bc119-0100-7000-8000-000000000002', occurredAt: new Date(NOW).toISOString(), userId: USER, actor, data: { notBefore: NOW + 1, reason: 'x', revokedCount: 2 } }));
    own.record(createTokenEvent('PasswordChanged', { id: '019bc119-0100-7000-8000-000000000003', occurredAt: new Date(NOW).toISOString(), userId: USER, actor, data: { notBefore: NOW - 5 } }));
    expect(own.revokedToken('019bc119-0000-7000-8000-0000000000a1')).toMatchObject({ reason: 'logout' });
    expect(own.revokedSession(FAMILY)).toMatchObject({ reason: 'logout', revokedAt: NOW });
    expect(own.userNotBefore(USER)).toBe(NOW + 1);

    now = NOW + 60_001;
    own.prune();
    expect(own.revokedToken('019bc119-0000-7000-8000-0000000000a1')).toBeUndefined();
    expect(own.revokedSession(FAMILY)).toBeDefined();
    now = NOW + 15 * 60_000 + 1;
    own.prune();
    expect(own.size).toBe(1); // the refresh token's own jti entry lives until its expiry
  });

  it('answers with the mirror: either side revokes, the later cutoff wins, freshness is the mirror’s', () => {
    const own = new OwnRevocations(60_000, () => NOW);
    const mirror = new RevocationIndex();
    mirror.apply(`sub.${USER}`, { notBefore: NOW + 50 }, { revision: 1, writtenAt: NOW, ttlMs: 60_000 });
    mirror.apply('jti.019bc119-0000-7000-8000-0000000000b1', { exp: 2_000_000_000, reason: 'elsewhere', revokedAt: NOW }, { revision: 2, writtenAt: NOW, ttlMs: 60_000 });
    own.record(revoked('ACCESS', '019bc119-0000-7000-8000-0000000000a1', NOW + 60_000));
    const view = combinedRevocations(own, mirror);
    expect(view.revokedToken('019bc119-0000-7000-8000-0000000000a1')).toBeDefined();
    expect(view.revokedToken('019bc119-0000-7000-8000-0000000000b1')).toMatchObject({ reason: 'elsewhere' });
    expect(view.userNotBefore(USER)).toBe(NOW + 50);
    expect(view.freshness()).toEqual(mirror.freshness());
  });

  it('ignores events that revoke nothing', () => {
    const own = new OwnRevocations(60_000, () => NOW);
    own.record({ type: 'TokenIssued' });
    own.record(null);
    expect(own.size).toBe(0);
  });
});
