// IssueTokenPair: an access token and a refresh token for one session (refresh family).
import type { Actor, Scope, TokenEvent } from '@tessera/contracts';
import { tokenIssued } from './events.js';
import type { ClientContext, Lifetimes, NewToken, NextId, SessionAuth, UserState } from './model.js';

export interface IssueTokenPair {
  user: UserState;
  scopes: Scope[];
  /** A new family on login; the presented token's family on refresh. */
  familyId: string;
  parentTokenId: string | null;
  client: ClientContext;
  lifetimes: Lifetimes;
  now: number;
  actor: Actor;
  nextId: NextId;
  /** The session's authentication: the login's, or the presented refresh token's on refresh. */
  auth: SessionAuth | undefined;
}

export interface IssuedPair {
  access: NewToken;
  refresh: NewToken;
  events: TokenEvent[];
}

export function decideIssueTokenPair(command: IssueTokenPair): IssuedPair {
  const { user, now, lifetimes, nextId } = command;
  const base = {
    userId: user.id,
    email: user.email,
    familyId: command.familyId,
    parentTokenId: command.parentTokenId,
    scopes: command.scopes,
    issuedAt: now,
    client: command.client,
    allowedCountries: user.allowedCountries && user.allowedCountries.length > 0 ? user.allowedCountries : null,
    ...(command.auth ? { auth: command.auth } : {}),
  };
  const refresh: NewToken = { ...base, id: nextId(), type: 'REFRESH', refreshTokenId: null, expiresAt: now + lifetimes.refreshTtlMs };
  const access: NewToken = { ...base, id: nextId(), type: 'ACCESS', refreshTokenId: refresh.id, expiresAt: now + lifetimes.accessTtlMs };
  return { access, refresh, events: [tokenIssued(access, command.actor, nextId), tokenIssued(refresh, command.actor, nextId)] };
}
