// Who may reach whose tokens (DESIGN §5): a user their own, ADMIN_TOKENS anyone's. Another
// user's token answers "not found" rather than "forbidden", so token ids cannot be probed.
import type { Actor, Scope } from '@tessera/contracts';

export interface Caller {
  userId: string;
  scopes: readonly Scope[];
}

export const isTokenAdmin = (caller: Caller) => caller.scopes.includes('ADMIN_TOKENS');

export function mayReach(caller: Caller, ownerId: string): boolean {
  return caller.userId === ownerId || isTokenAdmin(caller);
}

/** Acting on someone else's tokens is an admin action; on one's own, a user action. */
export function actorFor(caller: Caller, ownerId: string): Actor {
  return { kind: caller.userId === ownerId ? 'user' : 'admin', id: caller.userId };
}
