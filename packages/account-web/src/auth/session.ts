// The signed-in state of one page: the token pair, held in memory only (see the README), with
// refresh-token rotation before the access token expires and once more when a call is refused.
import type { TokenPairResponse } from '@tessera/contracts';
import { ApiError } from '../api/failure.js';
import { readClaims, type TokenClaims } from './claims.js';

export type SignOutReason =
  /** The person pressed "Sign out" here. */
  | { kind: 'signed_out' }
  /** This session was ended from another device or by an administrator. */
  | { kind: 'session_revoked'; reason: string | null }
  | { kind: 'logged_out_everywhere'; reason: string | null; byThisPage: boolean }
  | { kind: 'password_changed'; byThisPage: boolean }
  /** The refresh token was refused without a pushed reason: expired, or revoked while offline. */
  | { kind: 'expired' };

export interface SessionDeps {
  refresh: (refreshToken: string) => Promise<TokenPairResponse>;
  now?: () => number;
}

/** Refresh this long before the access token expires, so a call never carries a dying token. */
export const REFRESH_AHEAD_MS = 60_000;
/** After a failed background refresh (network), try again this much later. */
export const REFRESH_RETRY_MS = 10_000;

const isUnauthorized = (error: unknown) => error instanceof ApiError && error.failure.kind === 'unauthorized';

export class AuthSession {
  private access: string;
  private refreshToken: string | null;
  private current: TokenClaims;
  private inflight: Promise<void> | null = null;
  private endedWith: SignOutReason | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly endListeners = new Set<(reason: SignOutReason) => void>();
  private readonly changeListeners = new Set<() => void>();
  private readonly now: () => number;

  constructor(
    pair: TokenPairResponse,
    /** As typed at sign-in; the token carries only the user id. */
    readonly email: string,
    private readonly deps: SessionDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.access = pair.access_token;
    this.refreshToken = pair.refresh_token;
    this.current = readClaims(pair.access_token);
    this.schedule();
  }

  get claims(): TokenClaims {
    return this.current;
  }

  get ended(): SignOutReason | null {
    return this.endedWith;
  }

  hasScope(scope: string): boolean {
    return this.current.scopes.has(scope);
  }

  /** A token good for at least the next minute (refreshing first if needed). */
  async accessToken(): Promise<string> {
    if (this.endedWith) throw new ApiError({ kind: 'unauthorized' });
    if (this.current.expiresAtMs - this.now() <= REFRESH_AHEAD_MS) await this.refresh();
    return this.access;
  }

  /**
   * Rotates the refresh token. Concurrent callers share one request: presenting the same refresh
   * token twice would look like theft to token-api. Rejects with `unauthorized` when the session
   * is over; the caller decides what to tell the person (see `end`).
   */
  refresh(): Promise<void> {
    this.inflight ??= this.rotate().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /**
   * Runs a call with a fresh token; if the token is refused, refreshes once and retries (the
   * access token may have been revoked alone while the session lives on). A refused refresh ends
   * the session as expired.
   */
  async authorized<T>(fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken();
    try {
      return await fn(token);
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      try {
        if (this.access === token) await this.refresh();
        return await fn(await this.accessToken());
      } catch (retryError) {
        if (isUnauthorized(retryError)) this.end({ kind: 'expired' });
        throw retryError;
      }
    }
  }

  /**
   * Takes the access token a step-up answered (POST /api/v1/auth/mfa/step-up): the same session
   * (same `sid`), now carrying a recent second factor, for the calls that ask for one. The refresh
   * token is unchanged; a token of another session is refused, as it would hijack this page.
   */
  adoptStepUp(accessToken: string): void {
    if (this.endedWith) throw new ApiError({ kind: 'unauthorized' });
    const claims = readClaims(accessToken);
    if (claims.sessionId !== this.current.sessionId || claims.userId !== this.current.userId) throw new Error('step-up token of another session');
    this.access = accessToken;
    this.current = claims;
    this.schedule();
  }

  /**
   * Checks with token-api whether the session still lives (a refresh), ending it with `reason`
   * if not. Used when a push says this session may be over: the push names the reason, the
   * refresh is the proof. Resolves true when the session lives on.
   */
  async confirmOrEnd(reason: SignOutReason): Promise<boolean> {
    if (this.endedWith) return false;
    try {
      await this.refresh();
      return true;
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
      this.end(reason);
      return false;
    }
  }

  /** Forgets the tokens and tells the page why. The first reason wins. */
  end(reason: SignOutReason): void {
    if (this.endedWith) return;
    this.endedWith = reason;
    this.access = '';
    this.refreshToken = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const listener of this.endListeners) listener(reason);
  }

  onEnd(listener: (reason: SignOutReason) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Called after every rotation (the token, and so the WebSocket's credential, changed). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private async rotate(): Promise<void> {
    const presented = this.refreshToken;
    if (presented === null || this.endedWith) throw new ApiError({ kind: 'unauthorized' });
    const pair = await this.deps.refresh(presented);
    // Signed out while the request was in flight: the new pair must not bring the session back.
    if (this.endedWith) throw new ApiError({ kind: 'unauthorized' });
    this.access = pair.access_token;
    this.refreshToken = pair.refresh_token;
    this.current = readClaims(pair.access_token);
    this.schedule();
    for (const listener of this.changeListeners) listener();
  }

  private schedule(delayMs = this.current.expiresAtMs - REFRESH_AHEAD_MS - this.now()): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch((error: unknown) => {
        if (isUnauthorized(error)) this.end({ kind: 'expired' });
        else if (!this.endedWith) this.schedule(REFRESH_RETRY_MS);
      });
    }, Math.max(1_000, delayMs));
  }
}

/** What the sign-in page says after a sign-out, and whether it is news (an alert) or expected. */
export function describeSignOut(reason: SignOutReason): { message: string; unexpected: boolean } {
  const because = (r: string | null) => (r === null ? '' : ` Reason given: “${r}”.`);
  switch (reason.kind) {
    case 'signed_out':
      return { message: 'You have signed out.', unexpected: false };
    case 'session_revoked':
      return { message: `You were signed out: this session was ended from another device or by an administrator.${because(reason.reason)}`, unexpected: true };
    case 'logged_out_everywhere':
      return reason.byThisPage
        ? { message: 'You signed out everywhere. Every device will need to sign in again.', unexpected: false }
        : { message: `You were signed out: someone signed this account out everywhere.${because(reason.reason)}`, unexpected: true };
    case 'password_changed':
      return reason.byThisPage
        ? { message: 'Your password was changed, so every session was signed out. Sign in with your new password.', unexpected: false }
        : { message: 'You were signed out: the password of this account was changed. Sign in with the new password.', unexpected: true };
    case 'expired':
      return { message: 'Your session has ended. Please sign in again.', unexpected: true };
    default: {
      const unhandled: never = reason;
      return unhandled;
    }
  }
}
