// The ten scopes of DESIGN §6 and the role rule that guards the ADMIN_* ones.
import { z } from 'zod';
import { InvalidScopeError } from './errors.js';

/** Declaration order is the canonical order of the `scope` claim (see formatScopes). */
export const SCOPES = [
  'READ_PROFILE',
  'READ_TOKENS',
  'READ_TRANSACTIONS',
  'READ_ANALYTICS',
  'WRITE_PROFILE',
  'WRITE_TRANSACTIONS',
  'WRITE_CONTRACTS',
  'ADMIN_TOKENS',
  'ADMIN_USERS',
  'ADMIN_SYSTEM',
] as const;

export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

export const ADMIN_SCOPES = ['ADMIN_TOKENS', 'ADMIN_USERS', 'ADMIN_SYSTEM'] as const satisfies readonly Scope[];
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** A set of scopes as carried in bodies and events: no duplicates, so at most all ten. */
export const ScopeList = z
  .array(Scope)
  .max(SCOPES.length)
  .refine((list) => new Set(list).size === list.length, { message: 'scopes must be unique' });

export const Role = z.enum(['user', 'admin']);
export type Role = z.infer<typeof Role>;

export function isAdminScope(scope: string): scope is AdminScope {
  return (ADMIN_SCOPES as readonly string[]).includes(scope);
}

/** DESIGN §5: only admins may hold ADMIN_* scopes. */
export function isScopeAllowedForRole(scope: Scope, role: Role): boolean {
  return role === 'admin' || !isAdminScope(scope);
}

/**
 * Reads an RFC 6749 §3.3 scope string (space-separated, order-free). Duplicates collapse; an
 * unknown token throws rather than being dropped, so a typo never silently narrows a grant.
 */
export function parseScopeString(s: string): Scope[] {
  const tokens = s.split(' ').filter((t) => t !== '');
  const unknown = tokens.filter((t) => !Scope.safeParse(t).success);
  if (unknown.length > 0) throw new InvalidScopeError(unknown);
  return SCOPES.filter((scope) => tokens.includes(scope));
}

/** Canonical `scope` claim: deduplicated, in SCOPES order, so equal grants give equal strings. */
export function formatScopes(scopes: readonly Scope[]): string {
  return SCOPES.filter((scope) => scopes.includes(scope)).join(' ');
}
