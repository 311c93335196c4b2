// Shared by the token-management routes: whose tokens a request may reach, and the admin trail.
import type { Request } from 'express';
import { logSecurityEvent, notFound, parseQuery, type Logger } from '@tessera/platform';
import type { z } from 'zod';
import type { Principal } from '../../../commands/principal.js';
import { isTokenAdmin, mayReach } from '../../../domain/token-access.js';
import { decodeCursor } from '../../../queries/cursor.js';
import type { PageRequest } from '../../../queries/tokens.js';

/**
 * The self-service routes need READ_TOKENS; ADMIN_TOKENS (anyone's tokens) includes them, so an
 * operator's admin-only token (the tessera CLI asks for ADMIN_* scopes only) works too.
 */
export const TOKEN_READERS = { anyOf: ['READ_TOKENS', 'ADMIN_TOKENS'] } as const;

/** What a user asking for another user's data gets: the same 404 as for a missing one. */
export const noSuchToken = () => notFound('No such token');

/** The user whose tokens a request reads: the caller, or `requested` when the caller may reach it. */
export function targetUserOf(principal: Principal, requested: string | undefined): string {
  if (requested === undefined) return principal.userId;
  if (!mayReach(principal, requested)) throw notFound('No such user');
  return requested;
}

/** Reads of other users' data leave a line in the security log (writes leave events). */
export function auditAdminRead(logger: Logger, principal: Principal, what: string, fields: Record<string, unknown>): void {
  if (!isTokenAdmin(principal) && !principal.scopes.includes('ADMIN_USERS')) return;
  if (fields.user_id === principal.userId) return;
  logSecurityEvent(logger, 'admin_read', { actor_id: principal.userId, what, ...fields });
}

export function pageOf<S extends z.ZodType<{ limit: number; cursor?: string | undefined }>>(schema: S, req: Request, list: string): { query: z.infer<S>; page: PageRequest } {
  const query = parseQuery(schema, req);
  return { query, page: { limit: query.limit, after: decodeCursor(list, query.cursor) } };
}
