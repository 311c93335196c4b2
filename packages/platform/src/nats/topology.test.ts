import { describe, expect, it } from 'vitest';
import { Topology } from './topology.js';

const user = '0193a5c2-7b1e-7c3d-9f00-0123456789ab';
const plain = new Topology({ namespace: '', eventsMaxAgeMs: 1000 });
const scoped = new Topology({ namespace: 'ci42', eventsMaxAgeMs: 1000 });

describe('Topology', () => {
  it('uses the contract names exactly without a namespace', () => {
    expect(plain.streams.tokenEvents).toMatchObject({ name: 'TOKEN_EVENTS', subjects: ['tokens.>'] });
    expect(plain.streams.dlq).toMatchObject({ name: 'TOKEN_EVENTS_DLQ', subjects: ['dlq.>'] });
    expect(plain.streams.keyEvents).toMatchObject({ name: 'KEY_EVENTS', subjects: ['keys.>'] });
    expect(plain.revocationsBucket).toBe('REVOCATIONS');
    expect(plain.tokenEventSubject('TokenRevoked', user)).toBe(`tokens.revoked.${user}`);
    expect(plain.dlqSubject('audit')).toBe('dlq.audit');
  });

  it('prefixes every name and subject with the namespace', () => {
    expect(scoped.streams.tokenEvents).toMatchObject({ name: 'ci42_TOKEN_EVENTS', subjects: ['ci42.tokens.>'] });
    expect(scoped.revocationsBucket).toBe('ci42_REVOCATIONS');
    expect(scoped.keyRotatedSubject).toBe('ci42.keys.rotated');
    expect(scoped.tokenEventSubject('logout_all', user)).toBe(`ci42.tokens.logout_all.${user}`);
    expect(scoped.userEventsFilter(user)).toBe(`ci42.tokens.*.${user}`);
    expect(scoped.parseTokenEventSubject(`ci42.tokens.revoked.${user}`)).toMatchObject({ type: 'TokenRevoked', userId: user });
    expect(scoped.parseTokenEventSubject(`tokens.revoked.${user}`)).toBeNull();
  });

  it('still refuses a user id that is not a UUID', () => {
    expect(() => scoped.tokenEventSubject('TokenRevoked', '*')).toThrow();
    expect(() => scoped.userEventsFilter('a.b')).toThrow();
  });

  it('falls back to one wide filter on servers without multi-filter consumers', () => {
    expect(plain.consumerFilters('revocation', true)).toEqual(['tokens.revoked.*', 'tokens.logout_all.*', 'tokens.password_changed.*', 'tokens.expired.*']);
    expect(scoped.consumerFilters('revocation', false)).toEqual(['ci42.tokens.>']);
    expect(scoped.consumerFilters('tokenApiExpiry', false)).toEqual(['ci42.tokens.expired.*']);
    expect(plain.consumerHandles('revocation', 'TokenIssued')).toBe(false);
    expect(plain.consumerHandles('revocation', 'LogoutAll')).toBe(true);
    expect(plain.consumerHandles('audit', 'TokenIssued')).toBe(true);
  });
});
