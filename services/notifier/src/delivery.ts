import { serverMessageForEvent, WsCloseCode, type ServerMessage, type TokenEvent } from '@tessera/contracts';
import type { SocketPrincipal } from './auth.js';

/** What one socket asked to hear about: a user's events, optionally narrowed to one token. */
export interface Subscription {
  userId: string;
  tokenId?: string;
}

export interface Delivery {
  message: ServerMessage;
  /** Set when the event ends the socket's own token: send, then close with this code. */
  closeWith?: number;
}

/**
 * Whether the event ends the token the socket authenticated with, and which close code says
 * so. Revoking a refresh token revokes its whole session, so it ends every access token of that
 * session (DESIGN §4, `sid`); a logout-all or password change ends tokens issued before it.
 */
export function closeCodeFor(event: TokenEvent, own: SocketPrincipal): number | undefined {
  switch (event.type) {
    case 'TokenRevoked': {
      const sameToken = event.data.tokenId === own.tokenId;
      const sameSession = event.data.tokenType === 'REFRESH' && event.data.familyId === own.sessionId;
      return sameToken || sameSession ? WsCloseCode.TOKEN_REVOKED : undefined;
    }
    case 'LogoutAll':
      return event.userId === own.userId && own.issuedAtMs < event.data.notBefore ? WsCloseCode.LOGGED_OUT_EVERYWHERE : undefined;
    case 'PasswordChanged':
      return event.userId === own.userId && own.issuedAtMs < event.data.notBefore ? WsCloseCode.PASSWORD_CHANGED : undefined;
    case 'TokenExpired':
      return event.data.tokenId === own.tokenId ? WsCloseCode.TOKEN_EXPIRED : undefined;
    default:
      return undefined;
  }
}

/** The token an event is about, if it is about one token (user-wide events return undefined). */
function eventTokenId(event: TokenEvent): string | undefined {
  return 'tokenId' in event.data && typeof event.data.tokenId === 'string' ? event.data.tokenId : undefined;
}

function matches(subscription: Subscription, event: TokenEvent): boolean {
  if (subscription.userId !== event.userId) return false;
  if (subscription.tokenId === undefined) return true;
  const tokenId = eventTokenId(event);
  // A user-wide event (logout-all, password change) concerns every token of the user.
  return tokenId === undefined || tokenId === subscription.tokenId;
}

/**
 * What one socket gets for one event: nothing, the push, or the push and a close. Pure, so the
 * rules are tested without sockets.
 */
export function decideDelivery(event: TokenEvent, own: SocketPrincipal, subscriptions: Iterable<Subscription>): Delivery | null {
  const message = serverMessageForEvent(event);
  if (message === null) return null;
  const closeWith = closeCodeFor(event, own);
  if (closeWith !== undefined) return { message, closeWith };
  for (const subscription of subscriptions) if (matches(subscription, event)) return { message };
  return null;
}
