// WebSocket protocol of the notifier, `/ws/tokens` (DESIGN §7). Messages are JSON objects with a
// `type`; every message is strict so a client typo surfaces as an error instead of being ignored.
import { z } from 'zod';
import type { TokenEvent } from './events.js';
import { IsoDateTime, Reason, Uuid } from './ids.js';

/** Far above the largest valid client message (AUTH with a 4096-char token). */
export const WS_MAX_CLIENT_MESSAGE_CHARS = 8192;

/** Seconds a browser has to send AUTH before the socket is closed with AUTH_TIMEOUT. */
export const WS_AUTH_TIMEOUT_SECONDS = 5;

export const WsErrorCode = {
  UNAUTHORIZED: 'unauthorized',
  INVALID_MESSAGE: 'invalid_message',
  UNKNOWN_TYPE: 'unknown_type',
  FORBIDDEN: 'forbidden',
  AUTH_TIMEOUT: 'auth_timeout',
  RATE_LIMITED: 'rate_limited',
  TOO_MANY_CONNECTIONS: 'too_many_connections',
  INTERNAL_ERROR: 'internal_error',
} as const;
export type WsErrorCode = (typeof WsErrorCode)[keyof typeof WsErrorCode];

/**
 * Close codes. 4000–4999 is the application range of RFC 6455 §7.4.2; a client reading the code
 * knows whether reconnecting can help (1001) or it must log in again (4001, 4010–4013).
 *
 * | code | meaning                                        | reconnect?        |
 * |------|------------------------------------------------|-------------------|
 * | 1001 | server going away (deploy, shutdown)           | yes, with backoff |
 * | 1008 | policy violation (generic)                     | no                |
 * | 1009 | message too big                                | no                |
 * | 4001 | not authenticated / token invalid              | after new login   |
 * | 4003 | forbidden (subscribed to another user)         | no                |
 * | 4008 | no AUTH within WS_AUTH_TIMEOUT_SECONDS         | yes, send AUTH    |
 * | 4010 | the socket's token was revoked                 | after new login   |
 * | 4011 | user logged out everywhere                     | after new login   |
 * | 4012 | user changed password                          | after new login   |
 * | 4013 | the socket's token expired                     | after refresh     |
 * | 4029 | too many errors or messages                    | yes, with backoff |
 */
export const WsCloseCode = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  UNAUTHORIZED: 4001,
  FORBIDDEN: 4003,
  AUTH_TIMEOUT: 4008,
  TOKEN_REVOKED: 4010,
  LOGGED_OUT_EVERYWHERE: 4011,
  PASSWORD_CHANGED: 4012,
  TOKEN_EXPIRED: 4013,
  TOO_MANY_ERRORS: 4029,
} as const;
export type WsCloseCode = (typeof WsCloseCode)[keyof typeof WsCloseCode];

// Client → server.

export const WsAuth = z.strictObject({ type: z.literal('AUTH'), token: z.string().min(1).max(4096) });
/** Own user only, unless the socket's token holds ADMIN_TOKENS; tokenId narrows to one token. */
export const WsSubscribe = z.strictObject({ type: z.literal('SUBSCRIBE'), userId: Uuid, tokenId: Uuid.optional() });
export const WsPing = z.strictObject({ type: z.literal('PING') });

export const ClientMessage = z.discriminatedUnion('type', [WsAuth, WsSubscribe, WsPing]);
export type ClientMessage = z.infer<typeof ClientMessage>;
const CLIENT_TYPES = new Set<string>(ClientMessage.options.map((o) => o.shape.type.value));

// Server → client. `at` is when the event occurred, not when it was pushed.

export const WsSubscribed = z.strictObject({ type: z.literal('SUBSCRIBED'), userId: Uuid, tokenId: Uuid.optional() });
export const WsTokenRevoked = z.strictObject({
  type: z.literal('TOKEN_REVOKED'),
  tokenId: Uuid,
  userId: Uuid,
  reason: Reason,
  at: IsoDateTime,
});
export const WsLogoutAll = z.strictObject({
  type: z.literal('LOGOUT_ALL'),
  userId: Uuid,
  reason: Reason,
  at: IsoDateTime,
});
export const WsTokenExpired = z.strictObject({
  type: z.literal('TOKEN_EXPIRED'),
  tokenId: Uuid,
  userId: Uuid,
  at: IsoDateTime,
});
/** A refresh token is about to expire: refresh before `expiresAt` (not a close reason). */
export const WsTokenExpiring = z.strictObject({
  type: z.literal('TOKEN_EXPIRING'),
  tokenId: Uuid,
  userId: Uuid,
  expiresAt: IsoDateTime,
});
export const WsPasswordChanged = z.strictObject({ type: z.literal('PASSWORD_CHANGED'), userId: Uuid, at: IsoDateTime });
/**
 * The user's second factor was turned off (from any session): other sessions learn that their
 * account now signs in with a password alone. Not a close reason: no token is revoked by it.
 */
export const WsMfaDisabled = z.strictObject({ type: z.literal('MFA_DISABLED'), userId: Uuid, at: IsoDateTime });
/** `timestamp` is the server's clock, so a client can estimate skew and latency. */
export const WsPong = z.strictObject({ type: z.literal('PONG'), timestamp: IsoDateTime });
/** `code` is an open set (WsErrorCode lists ours) so older clients survive new codes. */
export const WsError = z.strictObject({
  type: z.literal('ERROR'),
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  message: z.string().max(512),
});

export const ServerMessage = z.discriminatedUnion('type', [
  WsSubscribed,
  WsTokenRevoked,
  WsLogoutAll,
  WsTokenExpired,
  WsTokenExpiring,
  WsPasswordChanged,
  WsMfaDisabled,
  WsPong,
  WsError,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

export type ParseClientMessageResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: typeof WsErrorCode.INVALID_MESSAGE | typeof WsErrorCode.UNKNOWN_TYPE; message: string };

/**
 * Parses one text frame. Never throws: the server answers a failure with an ERROR message.
 * `unknown_type` is a well-formed message of a type this server does not know (a newer client);
 * everything else that fails is `invalid_message`. Messages do not echo the input back.
 */
export function parseClientMessage(raw: string): ParseClientMessageResult {
  const invalid = (message: string) => ({ ok: false, code: WsErrorCode.INVALID_MESSAGE, message }) as const;
  if (raw.length > WS_MAX_CLIENT_MESSAGE_CHARS) return invalid('message too large');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return invalid('message is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid('message must be a JSON object');
  }
  const type: unknown = (json as Record<string, unknown>)['type'];
  if (typeof type !== 'string') return invalid('message must have a string "type"');
  if (!CLIENT_TYPES.has(type)) return { ok: false, code: WsErrorCode.UNKNOWN_TYPE, message: 'unknown message type' };
  const result = ClientMessage.safeParse(json);
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.map(String).join('.')}`;
  return invalid(`invalid ${type} message${where}`);
}

/**
 * The push a token event turns into, or null for events sockets are not told about. The
 * exhaustive switch makes a new event type a compile error here until someone decides.
 */
export function serverMessageForEvent(event: TokenEvent): ServerMessage | null {
  switch (event.type) {
    case 'TokenRevoked':
      return {
        type: 'TOKEN_REVOKED',
        tokenId: event.data.tokenId,
        userId: event.userId,
        reason: event.data.reason,
        at: event.occurredAt,
      };
    case 'LogoutAll':
      return { type: 'LOGOUT_ALL', userId: event.userId, reason: event.data.reason, at: event.occurredAt };
    case 'TokenExpired':
      return { type: 'TOKEN_EXPIRED', tokenId: event.data.tokenId, userId: event.userId, at: event.occurredAt };
    case 'TokenExpiring':
      return { type: 'TOKEN_EXPIRING', tokenId: event.data.tokenId, userId: event.userId, expiresAt: event.data.expiresAt };
    case 'PasswordChanged':
      return { type: 'PASSWORD_CHANGED', userId: event.userId, at: event.occurredAt };
    case 'MfaDisabled':
      return { type: 'MFA_DISABLED', userId: event.userId, at: event.occurredAt };
    case 'TokenIssued':
    case 'TokenReuseDetected':
    case 'TokenValidationFailed':
    case 'MfaEnabled':
    case 'RecoveryCodeUsed':
      return null;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
