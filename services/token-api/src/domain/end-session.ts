// EndSession (logout): every live token of the refresh family is revoked, each with an event, so
// the revocation service can mark the session and the sweeper can drop the schedule.
import type { Actor, TokenEvent } from '@tessera/contracts';
import { tokenRevoked } from './events.js';
import type { NextId, TokenState } from './model.js';

export interface EndSession {
  familyId: string;
  reason: string;
  actor: Actor;
  now: number;
  nextId: NextId;
}

export interface EndSessionOutcome {
  revoked: TokenState[];
  events: TokenEvent[];
}

/** Given the family's live tokens; a session already ended yields nothing (logout is idempotent). */
export function decideEndSession(command: EndSession, liveFamily: TokenState[]): EndSessionOutcome {
  const revoked = liveFamily.filter((t) => t.familyId === command.familyId && t.status === 'ACTIVE');
  // Refresh token first: a consumer that sees the session end first refuses the rest at once.
  const ordered = [...revoked.filter((t) => t.type === 'REFRESH'), ...revoked.filter((t) => t.type === 'ACCESS')];
  return { revoked: ordered, events: ordered.map((t) => tokenRevoked(t, command.reason, command.now, command.actor, command.nextId)) };
}
