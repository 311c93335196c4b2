import { describe, it, expect } from 'vitest';
import { InvalidScopeError } from './errors.js';
import {
  ADMIN_SCOPES,
  Role,
  SCOPES,
  Scope,
  ScopeList,
  formatScopes,
  isAdminScope,
  isScopeAllowedForRole,
  parseScopeString,
} from './scopes.js';

describe('Scope', () => {
  it('has the ten scopes of DESIGN §6, three of them admin', () => {
    expect(SCOPES).toHaveLength(10);
    expect(Scope.options).toEqual([...SCOPES]);
    expect(ADMIN_SCOPES).toEqual(['ADMIN_TOKENS', 'ADMIN_USERS', 'ADMIN_SYSTEM']);
    expect(SCOPES.filter(isAdminScope)).toEqual([...ADMIN_SCOPES]);
  });

  it('rejects unknown and differently cased scopes', () => {
    expect(Scope.safeParse('read_profile').success).toBe(false);
    expect(Scope.safeParse('ROOT').success).toBe(false);
  });

  it('ScopeList rejects duplicates and more than ten', () => {
    expect(ScopeList.safeParse(['READ_PROFILE', 'READ_TOKENS']).success).toBe(true);
    expect(ScopeList.safeParse([]).success).toBe(true);
    expect(ScopeList.safeParse(['READ_PROFILE', 'READ_PROFILE']).success).toBe(false);
    expect(ScopeList.safeParse([...SCOPES, 'READ_PROFILE']).success).toBe(false);
  });

  it('Role is user or admin', () => {
    expect(Role.options).toEqual(['user', 'admin']);
    expect(Role.safeParse('root').success).toBe(false);
  });

  it('only admins may hold ADMIN_* scopes', () => {
    expect(isScopeAllowedForRole('ADMIN_TOKENS', 'user')).toBe(false);
    expect(isScopeAllowedForRole('ADMIN_TOKENS', 'admin')).toBe(true);
    expect(isScopeAllowedForRole('READ_PROFILE', 'user')).toBe(true);
  });
});

describe('scope strings', () => {
  it('parses space-separated scopes, deduplicated, in canonical order', () => {
    expect(parseScopeString('WRITE_PROFILE READ_PROFILE READ_PROFILE')).toEqual(['READ_PROFILE', 'WRITE_PROFILE']);
    expect(parseScopeString('')).toEqual([]);
    expect(parseScopeString('  READ_TOKENS  ')).toEqual(['READ_TOKENS']);
  });

  it('throws InvalidScopeError naming unknown scopes', () => {
    let caught: unknown;
    try {
      parseScopeString('READ_PROFILE ROOT read_tokens');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidScopeError);
    expect(caught).toMatchObject({ code: 'ERR_INVALID_SCOPE', unknownScopes: ['ROOT', 'read_tokens'] });
  });

  it('formats canonically and round-trips', () => {
    expect(formatScopes(['ADMIN_SYSTEM', 'READ_PROFILE', 'READ_PROFILE'])).toBe('READ_PROFILE ADMIN_SYSTEM');
    expect(formatScopes([])).toBe('');
    expect(parseScopeString(formatScopes([...SCOPES]))).toEqual([...SCOPES]);
  });
});
