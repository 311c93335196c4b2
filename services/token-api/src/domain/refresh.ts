// RotateRefreshToken: the refresh rules of issue 3 — rotation, the same-device grace retry, and
// theft detection (a rotated token presented again revokes its whole family).
import { createTokenEvent, type Actor, type TokenEvent } from '@tessera/contracts';
import { tokenRevoked } from './events.js';
import { decideIssueTokenPair, type IssuedPair } from './issue-session.js';
import { REVOCATION_REASON, type ClientContext, type Lifetimes, type NextId, type TokenState, type UserState } from './model.js';
import { narrowToRole } from './scopes.js';

export interface RotateRefreshToken {
  client: ClientContext;
  lifetimes: Lifetimes;
  graceMs: number;
  now: number;
  nextId: NextId;
}

export interface RefreshState {
  /** The refresh token whose hash was presented, read under the user's row lock. */
  presented: TokenState;
  user: UserState;
  /** Live (ACTIVE) members of the presented token's family; loaded when it is not itself live. */
  liveFamily: TokenState[];
}

export type RefreshRejection = 'expired' | 'revoked' | 'device_mismatch' | 'user_cutoff';

export type RefreshOutcome =
  | {
      kind: 'rotated';
      pair: IssuedPair;
      /** The presented token: marked rotated (first use) or pointed at the new successor (retry). */
      rotated: { tokenId: string; successorId: string; firstUse: boolean };
      /** The earlier successor pair a grace retry replaces. */
      superseded: TokenState[];
      events: TokenEvent[];
    }
  | { kind: 'reuse_detected'; revoked: TokenState[]; events: TokenEvent[] }
  | { kind: 'rejected'; reason: RefreshRejection };

const SYSTEM: Actor = { kind: 'system', id: 'token-api' };

export function decideRefresh(command: RotateRefreshToken, state: RefreshState): RefreshOutcome {
  const { presented, user } = state;
  const { now } = command;
  if (user.tokensNotBefore !== null && presented.createdAt < user.tokensNotBefore) return { kind: 'rejected', reason: 'user_cutoff' };

  switch (presented.status) {
    case 'EXPIRED':
      return { kind: 'rejected', reason: 'expired' };
    case 'ACTIVE':
      if (presented.expiresAt <= now) return { kind: 'rejected', reason: 'expired' };
      // A live token from another device is refused but not treated as theft: browsers change
      // their User-Agent on update, and the holder may be the rightful one.
      if (presented.fingerprint !== command.client.fingerprint) return { kind: 'rejected', reason: 'device_mismatch' };
      return rotate(command, state, { firstUse: true, superseded: [] });
    case 'REVOKED':
      return decideReuse(command, state);
    default: {
      const unreachable: never = presented.status;
      throw new TypeError(`unknown token status ${String(unreachable)}`);
    }
  }
}

/** A token that was exchanged before: a lost-response retry from the same device, or theft. */
function decideReuse(command: RotateRefreshToken, state: RefreshState): RefreshOutcome {
  const { presented, liveFamily } = state;
  const exchanged = presented.revocationReason === REVOCATION_REASON.rotated || presented.revocationReason === REVOCATION_REASON.superseded;
  if (!exchanged) return { kind: 'rejected', reason: 'revoked' };

  const successor = liveFamily.find((t) => t.id === presented.successorTokenId && t.type === 'REFRESH');
  const withinGrace =
    presented.revocationReason === REVOCATION_REASON.rotated &&
    presented.revokedAt !== null &&
    command.now - presented.revokedAt <= command.graceMs &&
    presented.fingerprint === command.client.fingerprint &&
    successor !== undefined &&
    successor.expiresAt > command.now;
  if (withinGrace) {
    const superseded = liveFamily.filter((t) => t.id === successor.id || t.refreshTokenId === successor.id);
    return rotate(command, state, { firstUse: false, superseded });
  }

  // Nothing left to protect: the family is already dead, so there is no alarm to raise again.
  if (liveFamily.length === 0) return { kind: 'rejected', reason: 'revoked' };
  const reuse = createTokenEvent('TokenReuseDetected', {
    id: command.nextId(),
    occurredAt: new Date(command.now).toISOString(),
    userId: presented.userId,
    actor: SYSTEM,
    data: { familyId: presented.familyId, tokenId: presented.id, clientIp: command.client.ip, userAgent: command.client.userAgent },
  });
  const revocations = liveFamily.map((t) => tokenRevoked(t, REVOCATION_REASON.reuseDetected, command.now, SYSTEM, command.nextId));
  return { kind: 'reuse_detected', revoked: liveFamily, events: [reuse, ...revocations] };
}

function rotate(command: RotateRefreshToken, state: RefreshState, how: { firstUse: boolean; superseded: TokenState[] }): RefreshOutcome {
  const { presented, user } = state;
  const actor: Actor = { kind: 'user', id: user.id };
  // The earlier successor's access token is revoked by event; its refresh token is not, because
  // a revoked REFRESH token means "session ended" downstream (DESIGN §4) and the session lives on.
  const supersededEvents = how.superseded
    .filter((t) => t.type === 'ACCESS')
    .map((t) => tokenRevoked(t, REVOCATION_REASON.superseded, command.now, actor, command.nextId));
  const pair = decideIssueTokenPair({
    user,
    scopes: narrowToRole(user.role, presented.scopes),
    familyId: presented.familyId,
    parentTokenId: presented.id,
    client: command.client,
    lifetimes: command.lifetimes,
    now: command.now,
    actor,
    nextId: command.nextId,
    auth: presented.auth,
  });
  return {
    kind: 'rotated',
    pair,
    rotated: { tokenId: presented.id, successorId: pair.refresh.id, firstUse: how.firstUse },
    superseded: how.superseded,
    events: [...supersededEvents, ...pair.events],
  };
}
