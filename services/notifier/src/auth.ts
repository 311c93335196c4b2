import type { Scope } from '@tessera/contracts';

/** Who a socket belongs to, from its access token. */
export interface SocketPrincipal {
  userId: string;
  tokenId: string;
  /** Session (refresh family) the token belongs to. */
  sessionId: string;
  scopes: readonly Scope[];
  /** Issue instant in ms (from the UUIDv7 jti), compared with a logout-all's notBefore. */
  issuedAtMs: number;
  expiresAtMs: number;
}

export type AuthResult = { ok: true; principal: SocketPrincipal } | { ok: false; reason: string };

/**
 * How the notifier checks a token: in production `@tessera/verifier` (signature, expiry,
 * revocation mirror, policies); tests may pass the same verifier over their own keys.
 */
export interface SocketAuthenticator {
  authenticate(token: string, context: { userAgent?: string; clientIp?: string }): Promise<AuthResult>;
}
