import { WsCloseCode } from '@tessera/contracts';
import { describe, expect, it } from 'vitest';
import { decideOnClose } from './close-policy.js';

const last = { revokedReason: 'lost phone', logoutAllReason: 'help desk call' };

describe('decideOnClose', () => {
  it('checks with token-api, carrying the pushed reason, before signing out on a revoked session', () => {
    expect(decideOnClose(WsCloseCode.TOKEN_REVOKED, last)).toEqual({ kind: 'confirm', reason: { kind: 'session_revoked', reason: 'lost phone' } });
    expect(decideOnClose(WsCloseCode.LOGGED_OUT_EVERYWHERE, last)).toEqual({
      kind: 'confirm',
      reason: { kind: 'logged_out_everywhere', reason: 'help desk call', byThisPage: false },
    });
    expect(decideOnClose(WsCloseCode.PASSWORD_CHANGED, last)).toEqual({ kind: 'confirm', reason: { kind: 'password_changed', byThisPage: false } });
  });

  it('refreshes and reconnects when only the socket token is done for', () => {
    expect(decideOnClose(WsCloseCode.TOKEN_EXPIRED, last)).toEqual({ kind: 'refresh_and_reconnect' });
    expect(decideOnClose(WsCloseCode.UNAUTHORIZED, last)).toEqual({ kind: 'refresh_and_reconnect' });
  });

  it('stops on closes no reconnect can fix', () => {
    for (const code of [WsCloseCode.FORBIDDEN, WsCloseCode.POLICY_VIOLATION, WsCloseCode.MESSAGE_TOO_BIG, 1000]) {
      expect(decideOnClose(code, last)).toEqual({ kind: 'stop' });
    }
  });
});
