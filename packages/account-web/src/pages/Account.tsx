import type { ServerMessage } from '@tessera/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession, SignOutReason } from '../auth/session.js';
import { endSession } from '../sessions/end-session.js';
import { deviceLabel, type SessionView } from '../sessions/group.js';
import { ConfirmDialog, type ConfirmRequest } from '../ui/ConfirmDialog.js';
import { FailureMessage } from '../ui/FailureMessage.js';
import { ListPending } from '../ui/ListPending.js';
import { LiveIndicator } from '../ui/LiveIndicator.js';
import { SessionList } from '../ui/SessionList.js';
import { useLiveSessions } from '../ui/use-live-sessions.js';
import { ChangePassword } from './ChangePassword.js';
import { TwoStepSignIn } from './TwoStepSignIn.js';

export function Account({ api, session }: { api: TesseraApi; session: AuthSession }) {
  const own = session.claims;
  const headingRef = useRef<HTMLHeadingElement>(null);
  const listHeadingRef = useRef<HTMLHeadingElement>(null);
  const [actionFailure, setActionFailure] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [mfaChanges, setMfaChanges] = useState(0);

  // A push that removes this device's own session: the socket's close usually says so first,
  // but the list may learn it first (e.g. after a reconnect); either way token-api decides.
  const onPush = useCallback(
    (message: ServerMessage, removed: string[]) => {
      if (message.type === 'MFA_DISABLED') setMfaChanges((n) => n + 1);
      if (!removed.includes(own.sessionId)) return;
      const reason: SignOutReason | null =
        message.type === 'TOKEN_REVOKED'
          ? { kind: 'session_revoked', reason: message.reason }
          : message.type === 'LOGOUT_ALL'
            ? { kind: 'logged_out_everywhere', reason: message.reason, byThisPage: false }
            : message.type === 'PASSWORD_CHANGED'
              ? { kind: 'password_changed', byThisPage: false }
              : null;
      if (reason) void session.confirmOrEnd(reason).catch(() => undefined);
    },
    [session, own.sessionId],
  );
  const live = useLiveSessions(api, session, own.userId, onPush);

  useEffect(() => headingRef.current?.focus(), []);

  // When the focused control vanished with its session, keep the keyboard user in the list.
  useEffect(() => {
    if (document.activeElement === document.body && live.sessions !== null) listHeadingRef.current?.focus();
  }, [live.sessions]);

  const run = async (families: string[], work: () => Promise<string>) => {
    setActionFailure(null);
    setDone('');
    setBusy((b) => new Set([...b, ...families]));
    try {
      setDone(await work());
      listHeadingRef.current?.focus();
    } catch (error) {
      if (!session.ended) setActionFailure(toFailure(error));
    } finally {
      setBusy((b) => new Set([...b].filter((f) => !families.includes(f))));
    }
  };

  const end = async (target: SessionView) => {
    await endSession(target, (tokenId) => session.authorized((token) => api.revokeToken(token, tokenId)), live.reload);
    live.removeFamily(target.familyId);
  };

  const signOutThisDevice = () =>
    run([own.sessionId], async () => {
      try {
        await session.authorized((token) => api.logout(token));
      } catch (error) {
        if (!(error instanceof ApiError && error.failure.kind === 'unauthorized')) throw error;
      }
      session.end({ kind: 'signed_out' });
      return '';
    });

  const signOutOne = (target: SessionView) =>
    run([target.familyId], async () => {
      await end(target);
      return `Signed out ${deviceLabel(target.device)}.`;
    });

  const others = (live.sessions ?? []).filter((s) => !s.current);

  const signOutOthers = () =>
    run(
      others.map((s) => s.familyId),
      async () => {
        for (const target of others) await end(target);
        return `Signed out ${others.length} other ${others.length === 1 ? 'session' : 'sessions'}.`;
      },
    );

  const signOutEverywhere = () =>
    run([own.sessionId], async () => {
      await session.authorized((token) => api.logoutAll(token, own.userId));
      session.end({ kind: 'logged_out_everywhere', reason: null, byThisPage: true });
      return '';
    });

  return (
    <main id="main" className="page">
      <div className="page-head">
        <h1 ref={headingRef} tabIndex={-1}>
          Your devices and sessions
        </h1>
        <p className="lede">
          Signed in as <strong>{session.email}</strong>. If you see a device you don't recognise, sign it out and change your password.
        </p>
        <LiveIndicator status={live.status} />
      </div>

      <div className="toolbar">
        <button
          type="button"
          className="button"
          disabled={others.length === 0 || busy.size > 0}
          onClick={() =>
            setConfirm({
              title: 'Sign out everywhere else?',
              body: `This ends ${others.length} other ${others.length === 1 ? 'session' : 'sessions'}. This device stays signed in.`,
              confirmLabel: 'Sign out everywhere else',
              onConfirm: () => void signOutOthers(),
            })
          }
        >
          Sign out everywhere else
        </button>
        <button type="button" className="button" onClick={() => void live.reload()}>
          Refresh list
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={busy.size > 0}
          onClick={() =>
            setConfirm({
              title: 'Sign out everywhere?',
              body: 'This ends every session of your account, this one included. You will need to sign in again on each device.',
              confirmLabel: 'Sign out everywhere',
              onConfirm: () => void signOutEverywhere(),
            })
          }
        >
          Sign out everywhere
        </button>
      </div>

      {/* A re-read that failed after a good one: the list shown may be out of date. */}
      <FailureMessage failure={actionFailure ?? (live.sessions === null ? null : live.failure)} />
      <p className="visually-hidden" role="status" aria-live="polite">
        {done || live.announcement}
      </p>
      {done && <p className="alert alert-success">{done}</p>}

      {live.sessions === null ? (
        <ListPending failure={live.failure} onRetry={() => void live.reload()} what="your sessions" />
      ) : (
        <SessionList
          heading="Where you're signed in"
          headingRef={listHeadingRef}
          sessions={live.sessions}
          busy={busy}
          emptyText="No active sessions."
          actionLabel={(s) => (s.current ? 'Sign out of this device' : 'Sign out')}
          onAction={(s) => void (s.current ? signOutThisDevice() : signOutOne(s))}
        />
      )}

      <TwoStepSignIn api={api} session={session} changes={mfaChanges} />
      <ChangePassword api={api} session={session} />
      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
    </main>
  );
}
