import { describe, expect, it } from 'vitest';
import { decideChangePassword } from './change-password.js';
import { decideEndSession } from './end-session.js';
import { decideIssueTokenPair } from './issue-session.js';
import { REVOCATION_REASON } from './model.js';
import { decideRotateSigningKey } from './rotate-key.js';
import { FAMILY, LIFETIMES, NOW, PHONE, USER, counterIds, token } from './testing.js';

describe('decideIssueTokenPair (login)', () => {
  it('issues an access and a refresh token bound to the device, with one TokenIssued each', () => {
    const nextId = counterIds();
    const user = { ...USER, allowedCountries: ['FR', 'DE'] };
    const auth = { amr: ['pwd', 'otp'] as const, authTime: NOW };
    const pair = decideIssueTokenPair({ user, scopes: ['READ_PROFILE'], familyId: FAMILY, parentTokenId: null, client: PHONE, lifetimes: LIFETIMES, now: NOW, actor: { kind: 'user', id: USER.id }, nextId, auth: { ...auth, amr: [...auth.amr] } });
    expect(pair.access.auth).toEqual({ amr: ['pwd', 'otp'], authTime: NOW });
    expect(pair.refresh.auth).toEqual({ amr: ['pwd', 'otp'], authTime: NOW });
    expect(pair.access).toMatchObject({ type: 'ACCESS', refreshTokenId: pair.refresh.id, expiresAt: NOW + LIFETIMES.accessTtlMs, allowedCountries: ['FR', 'DE'] });
    expect(pair.refresh).toMatchObject({ type: 'REFRESH', refreshTokenId: null, expiresAt: NOW + LIFETIMES.refreshTtlMs });
    expect(pair.events).toHaveLength(2);
    expect(pair.events[0]).toMatchObject({ type: 'TokenIssued', userId: USER.id, occurredAt: '2026-01-15T10:00:00.000Z', data: { tokenId: pair.access.id, familyId: FAMILY, clientIp: PHONE.ip, fingerprint: PHONE.fingerprint, allowedCountries: ['FR', 'DE'] } });
    expect(pair.events[0]).not.toHaveProperty('data.parentTokenId');
    expect(new Set(nextId.issued).size).toBe(4);
  });
});

describe('decideEndSession (logout)', () => {
  it('given a live family, revokes each live member, refresh token first', () => {
    const access = token({ id: '019bc119-0000-7000-8000-0000000000a1', type: 'ACCESS' });
    const refresh = token({ id: '019bc119-0000-7000-8000-0000000000a2' });
    const outcome = decideEndSession({ familyId: FAMILY, reason: REVOCATION_REASON.logout, actor: { kind: 'user', id: USER.id }, now: NOW, nextId: counterIds() }, [access, refresh]);
    expect(outcome.revoked.map((t) => t.id)).toEqual([refresh.id, access.id]);
    expect(outcome.events.map((e) => (e.type === 'TokenRevoked' ? [e.data.tokenId, e.data.tokenType, e.data.reason] : null))).toEqual([
      [refresh.id, 'REFRESH', 'logout'],
      [access.id, 'ACCESS', 'logout'],
    ]);
  });

  it('given an ended session, emits nothing', () => {
    const outcome = decideEndSession({ familyId: FAMILY, reason: 'logout', actor: { kind: 'user', id: USER.id }, now: NOW, nextId: counterIds() }, []);
    expect(outcome).toEqual({ revoked: [], events: [] });
  });
});

describe('decideChangePassword', () => {
  it('emits PasswordChanged whose notBefore is after every token minted so far', () => {
    const outcome = decideChangePassword({ userId: USER.id, actor: { kind: 'user', id: USER.id }, now: NOW, nextId: counterIds() });
    expect(outcome.notBefore).toBe(NOW + 1);
    expect(outcome.events).toEqual([expect.objectContaining({ type: 'PasswordChanged', userId: USER.id, data: { notBefore: NOW + 1 } })]);
  });
});

describe('decideRotateSigningKey', () => {
  it('announces the new kid with its activation instant', () => {
    const outcome = decideRotateSigningKey({ newKey: { kid: 'k2', alg: 'ES256' }, activationDelayMs: 30_000, actor: { kind: 'system', id: 'cli' }, now: NOW, eventId: counterIds()() });
    expect(outcome.activatesAt).toBe(NOW + 30_000);
    expect(outcome.events[0]).toMatchObject({ type: 'SigningKeyRotated', data: { kid: 'k2', alg: 'ES256', activatesAt: '2026-01-15T10:00:30.000Z' } });
  });
});
