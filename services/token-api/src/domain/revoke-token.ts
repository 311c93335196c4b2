// RevokeToken (DELETE /tokens/{id}, POST /oauth2/revoke): an access token is revoked alone; a
// refresh token stands for its session, so every live member of its family goes (as at logout),
// whatever the state of the refresh token named — ending the session is what the caller wants.
import type { Actor, TokenEvent } from '@tessera/contracts';
import { decideEndSession } from './end-session.js';
import { tokenRevoked } from './events.js';
import type { NextId, TokenState } from './model.js';

export interface RevokeToken {
  reason: string;
  actor: Actor;
  now: number;
  nextId: NextId;
}

export interface RevokeTokenOutcome {
  revoked: TokenState[];
  events: TokenEvent[];
}

/** Live = not revoked and not past its expiry: an expired token needs no revocation. */
export const isLive = (t: TokenState, now: number) => t.status === 'ACTIVE' && t.expiresAt > now;

/** `family` is the target's family as read under the owner's lock (only used for a refresh token). */
export function decideRevokeToken(command: RevokeToken, target: TokenState, family: readonly TokenState[]): RevokeTokenOutcome {
  switch (target.type) {
    case 'ACCESS': {
      if (!isLive(target, command.now)) return { revoked: [], events: [] };
      return { revoked: [target], events: [tokenRevoked(target, command.reason, command.now, command.actor, command.nextId)] };
    }
    case 'REFRESH':
      return decideEndSession(
        { familyId: target.familyId, reason: command.reason, actor: command.actor, now: command.now, nextId: command.nextId },
        family.filter((t) => isLive(t, command.now)),
      );
    default: {
      const unreachable: never = target.type;
      throw new TypeError(`unknown token type ${String(unreachable)}`);
    }
  }
}
