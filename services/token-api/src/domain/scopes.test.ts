import { ADMIN_SCOPES } from '@tessera/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES, allowedScopes, grantScopes, narrowToRole } from './scopes.js';

describe('role scopes', () => {
  it('never lets a user hold an ADMIN_* scope, by default or on request', () => {
    expect(allowedScopes('user').some((s) => (ADMIN_SCOPES as readonly string[]).includes(s))).toBe(false);
    expect(DEFAULT_SCOPES.user.some((s) => (ADMIN_SCOPES as readonly string[]).includes(s))).toBe(false);
    expect(grantScopes('user', ['READ_PROFILE', 'ADMIN_TOKENS'])).toEqual({ ok: true, scopes: ['READ_PROFILE'] });
    expect(grantScopes('user', ['ADMIN_SYSTEM'])).toEqual({ ok: false, reason: 'none_allowed' });
  });

  it('grants the role defaults without a request, in canonical order', () => {
    expect(grantScopes('user', undefined)).toEqual({ ok: true, scopes: ['READ_PROFILE', 'READ_TOKENS', 'READ_TRANSACTIONS', 'WRITE_PROFILE'] });
    const admin = grantScopes('admin', undefined);
    expect(admin).toMatchObject({ ok: true });
    expect(admin.ok && admin.scopes).toContain('ADMIN_TOKENS');
    expect(admin.ok && admin.scopes).not.toContain('ADMIN_SYSTEM');
  });

  it('gives an admin ADMIN_SYSTEM when asked', () => {
    expect(grantScopes('admin', ['ADMIN_SYSTEM'])).toEqual({ ok: true, scopes: ['ADMIN_SYSTEM'] });
  });

  it('refuses an empty request rather than issuing a token with no scope', () => {
    expect(grantScopes('admin', [])).toEqual({ ok: false, reason: 'empty_request' });
  });

  it('narrows a demoted admin on refresh', () => {
    expect(narrowToRole('user', ['ADMIN_TOKENS', 'READ_TOKENS'])).toEqual(['READ_TOKENS']);
  });
});
