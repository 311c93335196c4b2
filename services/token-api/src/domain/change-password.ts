// ChangePassword: the new hash is stored and every token issued before `notBefore` stops working
// (DB for refresh tokens, the revocation service's `sub.<userId>` cutoff for access tokens).
import { createTokenEvent, type Actor, type TokenEvent } from '@tessera/contracts';
import type { NextId } from './model.js';

export interface ChangePassword {
  userId: string;
  actor: Actor;
  now: number;
  nextId: NextId;
}

export interface ChangePasswordOutcome {
  notBefore: number;
  events: TokenEvent[];
}

export function decideChangePassword(command: ChangePassword): ChangePasswordOutcome {
  // +1 ms: a token minted in the same millisecond, before the change, must die too. The price is
  // that a login in that same millisecond after the change has to be repeated.
  const notBefore = command.now + 1;
  const event = createTokenEvent('PasswordChanged', {
    id: command.nextId(),
    occurredAt: new Date(command.now).toISOString(),
    userId: command.userId,
    actor: command.actor,
    data: { notBefore },
  });
  return { notBefore, events: [event] };
}
