// What the page does when the notifier closes its socket for good (DESIGN §7 close codes). The
// socket speaks for the access token it authenticated with, so a close that may mean "your
// session is over" is checked with a refresh before the page signs out (see confirmOrEnd).
import { WsCloseCode } from '@tessera/contracts';
import type { SignOutReason } from '../auth/session.js';

export type CloseAction =
  /** Ask token-api (refresh): sign out with this reason if refused, else reconnect. */
  | { kind: 'confirm'; reason: SignOutReason }
  /** The socket's token expired or was refused: refresh, then reconnect. */
  | { kind: 'refresh_and_reconnect' }
  /** Nothing a reconnect can fix (forbidden, protocol error, we closed it). */
  | { kind: 'stop' };

/** The reason carried by the last revocation push, shown to the person if it ends the session. */
export interface LastPush {
  revokedReason: string | null;
  logoutAllReason: string | null;
}

export function decideOnClose(code: number, last: LastPush): CloseAction {
  switch (code) {
    case WsCloseCode.TOKEN_REVOKED:
      return { kind: 'confirm', reason: { kind: 'session_revoked', reason: last.revokedReason } };
    case WsCloseCode.LOGGED_OUT_EVERYWHERE:
      return { kind: 'confirm', reason: { kind: 'logged_out_everywhere', reason: last.logoutAllReason, byThisPage: false } };
    case WsCloseCode.PASSWORD_CHANGED:
      return { kind: 'confirm', reason: { kind: 'password_changed', byThisPage: false } };
    case WsCloseCode.TOKEN_EXPIRED:
    case WsCloseCode.UNAUTHORIZED:
      return { kind: 'refresh_and_reconnect' };
    default:
      return { kind: 'stop' };
  }
}
