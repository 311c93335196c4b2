import { describe, expect, it } from 'vitest';
import { decideLogoutAll } from './logout-all.js';
import { decideRevokeToken } from './revoke-token.js';
import { actorFor, mayReach } from './token-access.js';
import { FAMILY, NOW, USER, counterIds, token } from './testing.js';

const ACCESS = token({ id: '019bc119-0000-7000-8000-0000000000a1', type: 'ACCESS', expiresAt: NOW + 60_000 });
const REFRESH = token({ id: '019bc119-0000-7000-8000-0000000000a2', expiresAt: NOW + 86_400_000 });
const command = { reason: 'lost phone', actor: { kind: 'user' as const, id: USER.id }, now: NOW };

describe('decideRevokeToken', () => {
  it('given a live access token, revokes it alone', () => {
    const outcome = decideRevokeToken({ ...command, nextId: counterIds() }, ACCESS, []);
    expect(outcome.revoked.map((t) => t.id)).toEqual([ACCESS.id]);
    expect(outcome.events).toMatchObject([{ type: 'TokenRevoked', data: { tokenId: ACCESS.id, tokenType: 'ACCESS', familyId: FAMILY, reason: 'lost phone' } }]);
  });

  it('given a refresh token, ends its session: every live member, refresh first', () => {
    const expired = token({ id: '019bc119-0000-7000-8000-0000000000a3', type: 'ACCESS', expiresAt: NOW - 1 });
    const outcome = decideRevokeToken({ ...command, nextId: counterIds() }, REFRESH, [ACCESS, REFRESH, expired]);
    expect(outcome.revoked.map((t) => t.id)).toEqual([REFRESH.id, ACCESS.id]);
    expect(outcome.events.map((e) => e.type)).toEqual(['TokenRevoked', 'TokenRevoked']);
  });

  it('given a spent refresh token of a live session, still ends the session', () => {
    const spent = { ...REFRESH, status: 'REVOKED' as const };
    const successor = token({ id: '019bc119-0000-7000-8000-0000000000a4', expiresAt: NOW + 86_400_000 });
    expect(decideRevokeToken({ ...command, nextId: counterIds() }, spent, [successor, ACCESS]).revoked.map((t) => t.id)).toEqual([successor.id, ACCESS.id]);
  });

  it('given a dead or expired access token, emits nothing (idempotent)', () => {
    for (const dead of [{ ...ACCESS, status: 'REVOKED' as const }, { ...ACCESS, expiresAt: NOW }]) {
      expect(decideRevokeToken({ ...command, nextId: counterIds() }, dead, [])).toEqual({ revoked: [], events: [] });
    }
  });
});

describe('decideLogoutAll', () => {
  it('revokes every live token of the user with one LogoutAll carrying the cutoff and the count', () => {
    const other = token({ id: '019bc119-0000-7000-8000-0000000000b1', userId: '6c2e2b5f-9d20-4a8b-8e4f-3b7c8d9e0f1a' });
    const outcome = decideLogoutAll({ userId: USER.id, reason: 'logout all', actor: command.actor, now: NOW, nextId: counterIds() }, [ACCESS, REFRESH, other, { ...ACCESS, id: '019bc119-0000-7000-8000-0000000000a9', status: 'REVOKED' }]);
    expect(outcome.notBefore).toBe(NOW + 1);
    expect(outcome.revoked.map((t) => t.id)).toEqual([ACCESS.id, REFRESH.id]);
    expect(outcome.events).toMatchObject([{ type: 'LogoutAll', userId: USER.id, actor: command.actor, data: { notBefore: NOW + 1, reason: 'logout all', revokedCount: 2 } }]);
  });

  it('given no live token, still moves the cutoff (a token in flight dies too) with a count of 0', () => {
    const outcome = decideLogoutAll({ userId: USER.id, reason: 'logout all', actor: command.actor, now: NOW, nextId: counterIds() }, []);
    expect(outcome.events).toMatchObject([{ type: 'LogoutAll', data: { revokedCount: 0, notBefore: NOW + 1 } }]);
  });
});

describe('token access', () => {
  const admin = { userId: 'admin', scopes: ['READ_TOKENS', 'ADMIN_TOKENS'] as const };
  const user = { userId: USER.id, scopes: ['READ_TOKENS'] as const };
  it('lets users reach their own tokens and ADMIN_TOKENS reach anyone’s, as an admin action', () => {
    expect(mayReach(user, USER.id)).toBe(true);
    expect(mayReach(user, 'someone')).toBe(false);
    expect(mayReach(admin, USER.id)).toBe(true);
    expect(actorFor(admin, USER.id)).toEqual({ kind: 'admin', id: 'admin' });
    expect(actorFor(admin, 'admin')).toEqual({ kind: 'user', id: 'admin' });
  });
});
