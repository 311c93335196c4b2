// The token-api domain vocabulary shared by the deciders. Plain data, times in epoch ms, so the
// deciders stay pure: the clock and the id generator reach them through the command.
import type { Role, Scope, TokenType } from '@tessera/contracts';

export type TokenStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

/**
 * Why a token stopped working. `rotated` and `superseded` are not revocations a client asked for:
 * they mark refresh tokens that were exchanged, and presenting one again is how theft shows.
 */
export const REVOCATION_REASON = {
  rotated: 'rotated',
  superseded: 'superseded by a retried refresh',
  logout: 'logout',
  reuseDetected: 'refresh token reuse detected',
  passwordChanged: 'password changed',
} as const;

/** What a decider knows about one recorded token. */
export interface TokenState {
  id: string;
  userId: string;
  type: TokenType;
  status: TokenStatus;
  familyId: string;
  refreshTokenId: string | null;
  successorTokenId: string | null;
  scopes: Scope[];
  fingerprint: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  revocationReason: string | null;
  /** Absent on tokens issued before sessions recorded their authentication. */
  auth?: SessionAuth;
}

export interface UserState {
  id: string;
  email: string;
  role: Role;
  allowedCountries: string[] | null;
  /** Tokens created before this instant (ms) are dead (password change). */
  tokensNotBefore: number | null;
}

/** RFC 8176 authentication method references a session can carry: password, one-time code. */
export type AuthMethod = 'pwd' | 'otp';

/** How and when the user authenticated for a session; carried across refreshes (amr, auth_time). */
export interface SessionAuth {
  amr: AuthMethod[];
  /** ms */
  authTime: number;
}

/** The client a token is issued to. */
export interface ClientContext {
  ip: string;
  userAgent: string;
  /** SHA-256 hex of the User-Agent: the device binding of DESIGN §6. */
  fingerprint: string;
}

/** A token the command issues; the handler signs or generates its secret and stores it. */
export interface NewToken {
  id: string;
  type: TokenType;
  userId: string;
  email: string;
  familyId: string;
  parentTokenId: string | null;
  /** On an access token: the refresh token issued with it. */
  refreshTokenId: string | null;
  scopes: Scope[];
  issuedAt: number;
  expiresAt: number;
  client: ClientContext;
  allowedCountries: string[] | null;
  /** Absent only when a refreshed session predates it (it is not guessed). */
  auth?: SessionAuth;
}

export interface Lifetimes {
  accessTtlMs: number;
  refreshTtlMs: number;
}

/** Supplies ids (UUIDv7 minted at the command's instant); tests pass a counter. */
export type NextId = () => string;
