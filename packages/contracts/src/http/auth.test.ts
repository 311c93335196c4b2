import { describe, it, expect } from 'vitest';
import { FIXED_IDS, FIXED_NOW_ISO } from '../testing/fixtures.js';
import { LoginRequest, PasswordChangeRequest, RefreshRequest, RegisterRequest, TokenPairResponse, UserResponse } from './auth.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('RegisterRequest', () => {
  it('accepts and normalises', () => {
    expect(RegisterRequest.parse({ email: ' Ann@Example.org', password: 'correct horse' })).toEqual({
      email: 'ann@example.org',
      password: 'correct horse',
    });
  });

  it.each([
    {},
    { email: 'ann@example.org' },
    { email: 'ann', password: 'correct horse' },
    { email: 'ann@example.org', password: 'short' },
    { email: 'ann@example.org', password: 'x'.repeat(129) },
    { email: 'ann@example.org', password: 12345678 },
    { email: 'ann@example.org', password: 'correct horse', role: 'admin' },
  ])('rejects %j', (body) => {
    expect(ok(RegisterRequest, body)).toBe(false);
  });
});

describe('LoginRequest', () => {
  it('accepts with and without scopes', () => {
    expect(ok(LoginRequest, { email: 'ann@example.org', password: 'x' })).toBe(true);
    expect(ok(LoginRequest, { email: 'ann@example.org', password: 'x', scopes: ['READ_PROFILE'] })).toBe(true);
  });

  it.each([
    { email: 'ann@example.org', password: '' },
    { email: 'ann@example.org', password: 'x'.repeat(129) },
    { email: 'ann@example.org', password: 'x', scopes: ['ROOT'] },
    { email: 'ann@example.org', password: 'x', scopes: ['READ_PROFILE', 'READ_PROFILE'] },
    { email: 'ann@example.org', password: 'x', scopes: 'READ_PROFILE' },
    { email: 'ann@example.org', password: 'x', remember: true },
  ])('rejects %j', (body) => {
    expect(ok(LoginRequest, body)).toBe(false);
  });
});

describe('token pair and refresh', () => {
  const pair = { access_token: 'eyJ.a.b', refresh_token: 'r'.repeat(43), token_type: 'Bearer', expires_in: 900, scope: 'READ_PROFILE' };

  it('accepts a valid pair', () => {
    expect(ok(TokenPairResponse, pair)).toBe(true);
  });

  it.each([
    { token_type: 'bearer' },
    { expires_in: 0 },
    { expires_in: 1.5 },
    { access_token: 'x'.repeat(4097) },
    { refresh_token: 'x'.repeat(513) },
    { extra: 1 },
  ])('rejects a pair with %j', (patch) => {
    expect(ok(TokenPairResponse, { ...pair, ...patch })).toBe(false);
  });

  it('RefreshRequest bounds the token', () => {
    expect(ok(RefreshRequest, { refresh_token: 'r'.repeat(512) })).toBe(true);
    expect(ok(RefreshRequest, { refresh_token: 'r'.repeat(513) })).toBe(false);
    expect(ok(RefreshRequest, { refresh_token: '' })).toBe(false);
    expect(ok(RefreshRequest, { refreshToken: 'r' })).toBe(false);
  });
});

describe('UserResponse', () => {
  const user = { id: FIXED_IDS.userId, email: 'ann@example.org', role: 'user', createdAt: FIXED_NOW_ISO };

  it('accepts a user and rejects a leaked hash or bad role', () => {
    expect(ok(UserResponse, user)).toBe(true);
    expect(ok(UserResponse, { ...user, passwordHash: '$argon2id$' })).toBe(false);
    expect(ok(UserResponse, { ...user, role: 'root' })).toBe(false);
    expect(ok(UserResponse, { ...user, id: 'u1' })).toBe(false);
  });
});

describe('PasswordChangeRequest', () => {
  it('accepts a change and requires a different, long enough new password', () => {
    expect(ok(PasswordChangeRequest, { currentPassword: 'old', newPassword: 'much longer' })).toBe(true);
    expect(ok(PasswordChangeRequest, { currentPassword: 'same password', newPassword: 'same password' })).toBe(false);
    expect(ok(PasswordChangeRequest, { currentPassword: 'old', newPassword: 'short' })).toBe(false);
    expect(ok(PasswordChangeRequest, { newPassword: 'much longer' })).toBe(false);
    expect(ok(PasswordChangeRequest, { currentPassword: 'old', newPassword: 'much longer', confirm: 'much longer' })).toBe(false);
  });

  it('reports the mismatch on newPassword', () => {
    const result = PasswordChangeRequest.safeParse({ currentPassword: 'same password', newPassword: 'same password' });
    expect(result.error?.issues[0]?.path).toEqual(['newPassword']);
  });
});
