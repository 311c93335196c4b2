import { FIXED_NOW_MS } from '@tessera/contracts/testing';
import { describe, expect, it } from 'vitest';
import { FAMILY_A, FAMILY_B, OTHER_USER, USER, token } from '../testing/tokens.js';
import { SessionsStore } from './store.js';

const iso = (offsetMs: number) => new Date(FIXED_NOW_MS + offsetMs).toISOString();
const a = token({ familyId: FAMILY_A, createdAt: iso(-60_000) });
const b = token({ familyId: FAMILY_B, createdAt: iso(-1_000) });

describe('SessionsStore', () => {
  it('never lets an older read bring back a session a push removed', () => {
    const store = new SessionsStore(USER);
    store.load([a, b]);
    store.push({ type: 'TOKEN_REVOKED', tokenId: a.tokenId, userId: USER, reason: 'lost phone', at: iso(0) });
    expect(store.list).toEqual([b]);
    // A read that started before the revocation lands after it.
    expect(store.load([a, b])).toEqual([b]);
  });

  it('nor one the page ended itself', () => {
    const store = new SessionsStore(USER);
    store.load([a, b]);
    store.removeFamily(FAMILY_B.toUpperCase());
    expect(store.list).toEqual([a]);
    expect(store.load([a, b])).toEqual([a]);
  });

  it('nor tokens issued before a logout-all, while keeping sessions signed in after it', () => {
    const store = new SessionsStore(USER);
    store.load([a]);
    store.push({ type: 'LOGOUT_ALL', userId: USER, reason: 'help desk', at: iso(-30_000) });
    expect(store.load([a, b])).toEqual([b]);
  });

  it('ignores pushes about another user (an admin hears their own and the one on screen)', () => {
    const store = new SessionsStore(USER);
    store.load([a, b]);
    expect(store.push({ type: 'LOGOUT_ALL', userId: OTHER_USER, reason: 'x', at: iso(0) })).toBeNull();
    expect(store.push({ type: 'PONG', timestamp: iso(0) })).toBeNull();
    expect(store.list).toEqual([a, b]);
  });

  it('asks for a read when a push comes before the first list', () => {
    const store = new SessionsStore(USER);
    expect(store.push({ type: 'TOKEN_REVOKED', tokenId: a.tokenId, userId: USER, reason: 'x', at: iso(0) })).toEqual({
      tokens: [],
      refetch: true,
      removedFamilies: [],
    });
    expect(store.list).toBeNull();
  });
});
