// Which scopes each role may hold and gets by default (README "Roles and scopes").
import { SCOPES, isScopeAllowedForRole, type Role, type Scope } from '@tessera/contracts';

const USER_DEFAULT: readonly Scope[] = ['READ_PROFILE', 'WRITE_PROFILE', 'READ_TOKENS', 'READ_TRANSACTIONS'];

/** ADMIN_SYSTEM is never granted by default: an admin asks for it when they need it. */
const ADMIN_DEFAULT: readonly Scope[] = [...USER_DEFAULT, 'ADMIN_TOKENS', 'ADMIN_USERS'];

export const DEFAULT_SCOPES: Record<Role, readonly Scope[]> = { user: USER_DEFAULT, admin: ADMIN_DEFAULT };

export function allowedScopes(role: Role): Scope[] {
  return SCOPES.filter((scope) => isScopeAllowedForRole(scope, role));
}

export type ScopeGrant = { ok: true; scopes: Scope[] } | { ok: false; reason: 'empty_request' | 'none_allowed' };

/**
 * A login without `scopes` gets the role's defaults; with `scopes`, those of them the role allows
 * (a narrower grant, shown in the response's `scope`). Nothing allowed at all is an error, not an
 * empty token.
 */
export function grantScopes(role: Role, requested: readonly Scope[] | undefined): ScopeGrant {
  if (requested === undefined) return { ok: true, scopes: SCOPES.filter((s) => DEFAULT_SCOPES[role].includes(s)) };
  if (requested.length === 0) return { ok: false, reason: 'empty_request' };
  const scopes = SCOPES.filter((s) => requested.includes(s) && isScopeAllowedForRole(s, role));
  return scopes.length > 0 ? { ok: true, scopes } : { ok: false, reason: 'none_allowed' };
}

/** On refresh the grant is re-checked against the current role (an admin may have been demoted). */
export function narrowToRole(role: Role, scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => scopes.includes(s) && isScopeAllowedForRole(s, role));
}
