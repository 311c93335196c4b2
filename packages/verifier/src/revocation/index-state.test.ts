import { describe, expect, it } from 'vitest';
import { RevocationIndex } from './index-state.js';

const tokenId = '019bc119-0100-7000-8000-000000000002';
const sessionId = '019bc119-0100-7000-8000-000000000003';
const userId = '5b1d1a4e-8c1f-4f7a-9d3e-2a6b7c8d9e0f';
const meta = { revision: 7, writtenAt: 1_000, ttlMs: 60_000 };

describe('RevocationIndex', () => {
  it('applies puts and deletes for each key kind', () => {
    const index = new RevocationIndex();
    expect(index.apply(`jti.${tokenId}`, { exp: 99, reason: 'stolen', revokedAt: 5 }, meta)).toBe('applied');
    expect(index.apply(`sid.${sessionId}`, { revokedAt: 5, reason: 'logout' }, meta)).toBe('applied');
    expect(index.apply(`sub.${userId}`, { notBefore: 1234 }, meta)).toBe('applied');
    expect(index.revokedToken(tokenId)).toEqual({ exp: 99, reason: 'stolen', revokedAt: 5 });
    expect(index.revokedSession(sessionId)).toEqual({ revokedAt: 5, reason: 'logout' });
    expect(index.userNotBefore(userId)).toBe(1234);
    expect(index.size()).toEqual({ tokens: 1, sessions: 1, users: 1 });
    expect(index.apply(`jti.${tokenId}`, null, meta)).toBe('removed');
    expect(index.revokedToken(tokenId)).toBeUndefined();
  });

  it('keeps revoking on an unreadable jti/sid value, but ignores an unreadable cutoff', () => {
    const index = new RevocationIndex();
    expect(index.apply(`jti.${tokenId}`, { something: 'new' }, meta)).toBe('invalid_value');
    expect(index.revokedToken(tokenId)).toBeDefined();
    expect(index.apply(`sid.${sessionId}`, undefined, meta)).toBe('invalid_value');
    expect(index.revokedSession(sessionId)).toBeDefined();
    index.apply(`sub.${userId}`, { notBefore: 10 }, meta);
    expect(index.apply(`sub.${userId}`, { notBefore: 'soon' }, meta)).toBe('invalid_value');
    expect(index.userNotBefore(userId)).toBe(10);
  });

  it('ignores keys outside the contract', () => {
    const index = new RevocationIndex();
    expect(index.apply('jti.not-a-uuid', { exp: 1, reason: 'x', revokedAt: 1 }, meta)).toBe('ignored_key');
    expect(index.apply(`other.${tokenId}`, {}, meta)).toBe('ignored_key');
    expect(index.size()).toEqual({ tokens: 0, sessions: 0, users: 0 });
  });

  it('prunes entries past their TTL, as the server does without telling watchers', () => {
    const index = new RevocationIndex();
    index.apply(`jti.${tokenId}`, { exp: 99, reason: 'r', revokedAt: 5 }, { ...meta, ttlMs: 10 });
    index.apply(`sub.${userId}`, { notBefore: 1 }, meta);
    expect(index.prune(1_009)).toBe(0);
    expect(index.prune(1_010)).toBe(1);
    expect(index.size()).toEqual({ tokens: 0, sessions: 0, users: 1 });
  });
});
