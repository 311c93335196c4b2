import { describe, expect, it } from 'vitest';
import { REVOCATION_REASON } from './model.js';
import { decideRefresh, type RefreshState, type RotateRefreshToken } from './refresh.js';
import { FAMILY, LAPTOP, LIFETIMES, NOW, PHONE, USER, counterIds, token } from './testing.js';

const T0 = '019bc119-0000-7000-8000-0000000000a0';
const S1 = '019bc119-0000-7000-8000-0000000000b1';
const A1 = '019bc119-0000-7000-8000-0000000000c1';

function when(overrides: Partial<RotateRefreshToken> = {}): RotateRefreshToken {
  return { client: PHONE, lifetimes: LIFETIMES, graceMs: 10_000, now: NOW, nextId: counterIds(), ...overrides };
}
const given = (state: Partial<RefreshState> & Pick<RefreshState, 'presented'>): RefreshState => ({ user: USER, liveFamily: [], ...state });

const rotatedT0 = (at: number, successor = S1) =>
  token({ id: T0, status: 'REVOKED', revocationReason: REVOCATION_REASON.rotated, revokedAt: at, successorTokenId: successor });
const liveS1 = token({ id: S1 });
const liveA1 = token({ id: A1, type: 'ACCESS', refreshTokenId: S1, expiresAt: NOW + 900_000 });

describe('decideRefresh', () => {
  it('given a live token from its own device, rotates it into a new pair of the same family', () => {
    const outcome = decideRefresh(when(), given({ presented: token({ id: T0 }) }));
    if (outcome.kind !== 'rotated') throw new Error(outcome.kind);
    expect(outcome.rotated).toEqual({ tokenId: T0, successorId: outcome.pair.refresh.id, firstUse: true });
    expect(outcome.superseded).toEqual([]);
    expect(outcome.events.map((e) => [e.type, e.type === 'TokenIssued' ? e.data.tokenType : null])).toEqual([
      ['TokenIssued', 'ACCESS'],
      ['TokenIssued', 'REFRESH'],
    ]);
    for (const event of outcome.events) {
      if (event.type !== 'TokenIssued') throw new Error(event.type);
      expect(event.data).toMatchObject({ familyId: FAMILY, parentTokenId: T0, scopes: ['READ_PROFILE', 'READ_TOKENS'], fingerprint: PHONE.fingerprint });
    }
    expect(outcome.pair.refresh.expiresAt).toBe(NOW + LIFETIMES.refreshTtlMs);
    expect(outcome.pair.access.refreshTokenId).toBe(outcome.pair.refresh.id);
  });

  it('carries the session authentication (amr, auth time) of the presented token, and invents none for an older one', () => {
    const auth = { amr: ['pwd', 'otp'] as Array<'pwd' | 'otp'>, authTime: NOW - 3_600_000 };
    const outcome = decideRefresh(when(), given({ presented: token({ id: T0, auth }) }));
    if (outcome.kind !== 'rotated') throw new Error(outcome.kind);
    expect(outcome.pair.access.auth).toEqual(auth);
    expect(outcome.pair.refresh.auth).toEqual(auth);
    const legacy = decideRefresh(when(), given({ presented: token({ id: T0 }) }));
    if (legacy.kind !== 'rotated') throw new Error(legacy.kind);
    expect(legacy.pair.access).not.toHaveProperty('auth');
  });

  it('narrows the carried scopes to what the current role allows', () => {
    const outcome = decideRefresh(when(), given({ presented: token({ id: T0, scopes: ['READ_PROFILE', 'ADMIN_TOKENS'] }) }));
    if (outcome.kind !== 'rotated') throw new Error(outcome.kind);
    expect(outcome.pair.access.scopes).toEqual(['READ_PROFILE']);
  });

  it('rejects a live token presented from another device without alarm', () => {
    expect(decideRefresh(when({ client: LAPTOP }), given({ presented: token({ id: T0 }) }))).toEqual({ kind: 'rejected', reason: 'device_mismatch' });
  });

  it('rejects an expired token, by time or by status', () => {
    expect(decideRefresh(when(), given({ presented: token({ id: T0, expiresAt: NOW }) }))).toEqual({ kind: 'rejected', reason: 'expired' });
    expect(decideRefresh(when(), given({ presented: token({ id: T0, status: 'EXPIRED' }) }))).toEqual({ kind: 'rejected', reason: 'expired' });
  });

  it('rejects a token created before the user cutoff (password change)', () => {
    const user = { ...USER, tokensNotBefore: NOW - 1 };
    expect(decideRefresh(when(), given({ user, presented: token({ id: T0, createdAt: NOW - 2 }) }))).toEqual({ kind: 'rejected', reason: 'user_cutoff' });
  });

  it('rejects a token revoked for a reason other than an exchange (logout) without alarm', () => {
    const presented = token({ id: T0, status: 'REVOKED', revocationReason: REVOCATION_REASON.logout, revokedAt: NOW - 5 });
    expect(decideRefresh(when(), given({ presented, liveFamily: [liveS1] }))).toEqual({ kind: 'rejected', reason: 'revoked' });
  });

  it('given a just-rotated token retried from the same device within the grace period, issues a fresh pair and supersedes the earlier successor', () => {
    const outcome = decideRefresh(when(), given({ presented: rotatedT0(NOW - 9_999), liveFamily: [liveS1, liveA1] }));
    if (outcome.kind !== 'rotated') throw new Error(outcome.kind);
    expect(outcome.rotated).toEqual({ tokenId: T0, successorId: outcome.pair.refresh.id, firstUse: false });
    expect(outcome.superseded.map((t) => t.id)).toEqual([S1, A1]);
    // Only the superseded access token is revoked by event: the session itself lives on.
    expect(outcome.events.map((e) => e.type)).toEqual(['TokenRevoked', 'TokenIssued', 'TokenIssued']);
    expect(outcome.events[0]).toMatchObject({ data: { tokenId: A1, tokenType: 'ACCESS', reason: REVOCATION_REASON.superseded } });
  });

  it('given the retry comes after the grace period, revokes every live member and reports reuse', () => {
    const outcome = decideRefresh(when(), given({ presented: rotatedT0(NOW - 10_001), liveFamily: [liveS1, liveA1] }));
    expect(outcome.kind).toBe('reuse_detected');
    if (outcome.kind !== 'reuse_detected') return;
    expect(outcome.revoked.map((t) => t.id)).toEqual([S1, A1]);
    expect(outcome.events.map((e) => e.type)).toEqual(['TokenReuseDetected', 'TokenRevoked', 'TokenRevoked']);
    expect(outcome.events[0]).toMatchObject({ actor: { kind: 'system' }, data: { familyId: FAMILY, tokenId: T0, clientIp: PHONE.ip, userAgent: PHONE.userAgent } });
    expect(outcome.events.slice(1).map((e) => (e.type === 'TokenRevoked' ? e.data.reason : null))).toEqual([
      REVOCATION_REASON.reuseDetected,
      REVOCATION_REASON.reuseDetected,
    ]);
  });

  it('given the retry comes from another device within the grace period, it is theft', () => {
    const outcome = decideRefresh(when({ client: LAPTOP }), given({ presented: rotatedT0(NOW - 1), liveFamily: [liveS1, liveA1] }));
    expect(outcome.kind).toBe('reuse_detected');
  });

  it('given the successor was already used, a retry of its parent is theft even within the grace period', () => {
    const s2 = token({ id: '019bc119-0000-7000-8000-0000000000b2' });
    // S1 was rotated into S2, so only S2 is live: T0's successor is gone.
    const outcome = decideRefresh(when(), given({ presented: rotatedT0(NOW - 2), liveFamily: [s2] }));
    expect(outcome.kind).toBe('reuse_detected');
  });

  it('treats presenting a superseded token as theft', () => {
    const superseded = token({ id: S1, status: 'REVOKED', revocationReason: REVOCATION_REASON.superseded, revokedAt: NOW - 1 });
    const s2 = token({ id: '019bc119-0000-7000-8000-0000000000b2' });
    expect(decideRefresh(when(), given({ presented: superseded, liveFamily: [s2] })).kind).toBe('reuse_detected');
  });

  it('raises no second alarm when the family is already dead', () => {
    expect(decideRefresh(when(), given({ presented: rotatedT0(NOW - 60_000), liveFamily: [] }))).toEqual({ kind: 'rejected', reason: 'revoked' });
  });
});
