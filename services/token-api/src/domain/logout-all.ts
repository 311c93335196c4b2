// LogoutAll (DELETE /tokens/all/{userId}): every token of the user issued before `notBefore`
// dies. One LogoutAll event carries the cutoff and the count; no TokenRevoked per token: the
// revocation service turns it into `sub.<userId>` (which refuses every older access token in
// O(1)), the sweeper drops the user's schedule, the notifier pushes LOGOUT_ALL, and the rows are
// marked REVOKED in the same transaction. A TokenRevoked per token would say the same thing N
// times on the stream for a user with many sessions.
import { createTokenEvent, type Actor, type TokenEvent } from '@tessera/contracts';
import type { NextId, TokenState } from './model.js';
import { isLive } from './revoke-token.js';

export interface LogoutAll {
  userId: string;
  reason: string;
  actor: Actor;
  now: number;
  nextId: NextId;
}

export interface LogoutAllOutcome {
  notBefore: number;
  revoked: TokenState[];
  events: TokenEvent[];
}

export function decideLogoutAll(command: LogoutAll, tokens: readonly TokenState[]): LogoutAllOutcome {
  // +1 ms, as for a password change: a token minted in this same millisecond, before the command
  // took the user's lock, must die too (its jti instant equals `now`).
  const notBefore = command.now + 1;
  const revoked = tokens.filter((t) => t.userId === command.userId && isLive(t, command.now));
  const event = createTokenEvent('LogoutAll', {
    id: command.nextId(),
    occurredAt: new Date(command.now).toISOString(),
    userId: command.userId,
    actor: command.actor,
    data: { notBefore, reason: command.reason, revokedCount: revoked.length },
  });
  return { notBefore, revoked, events: [event] };
}
