import { describe, it, expect } from 'vitest';
import { FIXED_IDS, FIXED_NOW_ISO } from '../testing/fixtures.js';
import { UserListResponse, UserLookupQuery } from './users.js';

describe('UserLookupQuery', () => {
  it('normalises the email it looks up', () => {
    expect(UserLookupQuery.parse({ email: ' Ann@Example.org ' })).toEqual({ email: 'ann@example.org' });
  });

  it.each([{}, { email: 'ann' }, { email: 'ann@example.org', role: 'admin' }, { email: ['a@b.io', 'c@d.io'] }])('rejects %j', (query) => {
    expect(UserLookupQuery.safeParse(query).success).toBe(false);
  });
});

describe('UserListResponse', () => {
  const user = { id: FIXED_IDS.userId, email: 'ann@example.org', role: 'user', createdAt: FIXED_NOW_ISO };

  it('is a page of users, empty when nobody matches', () => {
    expect(UserListResponse.safeParse({ items: [user], nextCursor: null }).success).toBe(true);
    expect(UserListResponse.safeParse({ items: [], nextCursor: null }).success).toBe(true);
  });

  it('never carries more than the public user fields', () => {
    expect(UserListResponse.safeParse({ items: [{ ...user, passwordHash: 'x' }], nextCursor: null }).success).toBe(false);
  });
});
