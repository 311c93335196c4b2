import type { AuditEntry, ServerMessage, TokenStats, UserResponse } from '@tessera/contracts';
import { useCallback, useEffect, useRef, useState, type Ref } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession } from '../auth/session.js';
import { formatDateTime } from '../format/time.js';
import { endSession } from '../sessions/end-session.js';
import { deviceLabel, type SessionView } from '../sessions/group.js';
import { ConfirmDialog, type ConfirmRequest } from '../ui/ConfirmDialog.js';
import { FailureMessage } from '../ui/FailureMessage.js';
import { ListPending } from '../ui/ListPending.js';
import { LiveIndicator } from '../ui/LiveIndicator.js';
import { SessionList } from '../ui/SessionList.js';
import { useStepUp } from '../ui/StepUp.js';
import { useLiveSessions } from '../ui/use-live-sessions.js';

const ACTION_TEXT: Record<AuditEntry['action'], string> = {
  TokenIssued: 'Token issued',
  TokenRevoked: 'Token revoked',
  LogoutAll: 'Signed out everywhere',
  PasswordChanged: 'Password changed',
  TokenExpired: 'Token expired',
  TokenExpiring: 'Token about to expire',
  TokenReuseDetected: 'Refresh token reuse detected',
  TokenValidationFailed: 'Token refused',
  MfaEnabled: 'Two-step sign-in turned on',
  MfaDisabled: 'Two-step sign-in turned off',
  RecoveryCodeUsed: 'Recovery code used',
};

const STATUS_TEXT: Record<string, string> = { ACTIVE: 'Active', EXPIRED: 'Expired', REVOKED: 'Revoked' };
const DEVICE_TEXT: Record<string, string> = { desktop: 'computers', mobile: 'phones', tablet: 'tablets', bot: 'automated clients', other: 'other devices' };

/** The audit details worth a column: why, what kind of token, how many. */
function detailText(details: AuditEntry['details']): string {
  const parts: string[] = [];
  for (const key of ['tokenType', 'reason', 'revokedCount'] as const) {
    const value = details[key];
    if (typeof value === 'string' || typeof value === 'number') parts.push(key === 'revokedCount' ? `${value} revoked` : String(value));
  }
  return parts.join(' · ');
}

export function UserPanel({ api, session, user, headingRef }: { api: TesseraApi; session: AuthSession; user: UserResponse; headingRef: Ref<HTMLHeadingElement> }) {
  const [stats, setStats] = useState<TokenStats | null>(null);
  const [audit, setAudit] = useState<{ items: AuditEntry[]; nextCursor: string | null } | null>(null);
  const [sideFailure, setSideFailure] = useState<ApiFailure | null>(null);
  const [actionFailure, setActionFailure] = useState<ApiFailure | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set());
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const loadSide = useCallback(async () => {
    try {
      const [nextStats, nextAudit] = await Promise.all([
        session.authorized((token) => api.stats(token, user.id)),
        session.authorized((token) => api.auditTrail(token, user.id)),
      ]);
      setStats(nextStats);
      setAudit(nextAudit);
      setSideFailure(null);
    } catch (error) {
      if (!session.ended) setSideFailure(toFailure(error));
    }
  }, [api, session, user.id]);

  // The audit projection lags the push by a few milliseconds: read it again shortly after.
  const onPush = useCallback(
    (message: ServerMessage) => {
      if (!('userId' in message) || message.userId.toLowerCase() !== user.id.toLowerCase()) return;
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => void loadSide(), 500);
    },
    [loadSide, user.id],
  );
  const live = useLiveSessions(api, session, user.id, onPush);
  const stepUp = useStepUp(api, session);

  useEffect(() => {
    void loadSide();
    return () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    };
  }, [loadSide]);

  const loadMoreAudit = async () => {
    if (!audit?.nextCursor) return;
    try {
      const more = await session.authorized((token) => api.auditTrail(token, user.id, audit.nextCursor ?? undefined));
      setAudit({ items: [...audit.items, ...more.items], nextCursor: more.nextCursor });
    } catch (error) {
      setSideFailure(toFailure(error));
    }
  };

  const run = async (families: string[], work: () => Promise<string>) => {
    setActionFailure(null);
    setDone('');
    setBusy((b) => new Set([...b, ...families]));
    try {
      setDone(await work());
      void loadSide();
    } catch (error) {
      if (!session.ended) setActionFailure(toFailure(error));
    } finally {
      setBusy((b) => new Set([...b].filter((f) => !families.includes(f))));
    }
  };

  const revokeSession = (target: SessionView, reason: string) =>
    run([target.familyId], async () => {
      await endSession(target, (tokenId) => session.authorized((token) => api.revokeToken(token, tokenId, reason)), live.reload);
      live.removeFamily(target.familyId);
      return `Signed ${user.email} out of ${deviceLabel(target.device)}.`;
    });

  const revokeAll = (reason: string) =>
    run(
      (live.sessions ?? []).map((s) => s.familyId),
      async () => {
        // token-api may want a recent second factor from an admin for this (MFA_ADMIN_STEP_UP).
        const result = await stepUp.withStepUp(() => session.authorized((token) => api.logoutAll(token, user.id, reason)));
        void live.reload();
        return `Signed ${user.email} out everywhere (${result.revokedCount} ${result.revokedCount === 1 ? 'token' : 'tokens'} revoked).`;
      },
    );

  return (
    <section className="user-panel" aria-labelledby="user-heading">
      <div className="card user-card">
        <h2 id="user-heading" ref={headingRef} tabIndex={-1}>
          {user.email}
        </h2>
        <dl className="facts">
          <div className="wide">
            <dt>User id</dt>
            <dd className="mono">{user.id}</dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>{user.role}</dd>
          </div>
          <div>
            <dt>Registered</dt>
            <dd>{formatDateTime(user.createdAt)}</dd>
          </div>
        </dl>
        <LiveIndicator status={live.status} />
        <div className="toolbar">
          <button
            type="button"
            className="button button-danger"
            disabled={busy.size > 0}
            onClick={() =>
              setConfirm({
                title: `Sign ${user.email} out everywhere?`,
                body: 'Every session of this user ends at once, on every device. They can sign in again.',
                confirmLabel: 'Sign out everywhere',
                askReason: true,
                onConfirm: (reason) => void revokeAll(reason!),
              })
            }
          >
            Sign out everywhere
          </button>
        </div>
      </div>

      {/* A re-read that failed after a good one: the list shown may be out of date. */}
      <FailureMessage failure={actionFailure ?? (live.sessions === null ? null : live.failure)} />
      <p className="visually-hidden" role="status" aria-live="polite">
        {done || live.announcement}
      </p>
      {done && <p className="alert alert-success">{done}</p>}

      {live.sessions === null ? (
        <ListPending failure={live.failure} onRetry={() => void live.reload()} what="the sessions" />
      ) : (
        <SessionList
          heading="Sessions"
          sessions={live.sessions}
          busy={busy}
          emptyText="This user is not signed in anywhere."
          actionLabel={() => 'Sign out…'}
          onAction={(target) =>
            setConfirm({
              title: `Sign out ${deviceLabel(target.device)}?`,
              body: `The session of ${user.email} on ${deviceLabel(target.device)} (${target.clientIp}) ends at once.`,
              confirmLabel: 'Sign out this session',
              askReason: true,
              onConfirm: (reason) => void revokeSession(target, reason!),
            })
          }
        />
      )}

      <FailureMessage failure={sideFailure} />
      <section className="card" aria-labelledby="stats-heading">
        <h2 id="stats-heading">Token counts</h2>
        {stats === null ? (
          <p className="loading">Loading…</p>
        ) : (
          <dl className="stats">
            <div>
              <dt>All tokens</dt>
              <dd>{stats.total}</dd>
            </div>
            {Object.entries(stats.byStatus).map(([status, n]) => (
              <div key={status}>
                <dt>{STATUS_TEXT[status] ?? status}</dt>
                <dd>{n}</dd>
              </div>
            ))}
            {Object.entries(stats.byType).map(([type, n]) => (
              <div key={type}>
                <dt>{type === 'ACCESS' ? 'Access tokens' : 'Refresh tokens'}</dt>
                <dd>{n}</dd>
              </div>
            ))}
            {Object.entries(stats.byDevice).map(([device, n]) => (
              <div key={device}>
                <dt>On {DEVICE_TEXT[device] ?? device}</dt>
                <dd>{n}</dd>
              </div>
            ))}
          </dl>
        )}
      </section>

      <section className="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit trail</h2>
        {audit === null ? (
          <p className="loading">Loading…</p>
        ) : audit.items.length === 0 ? (
          <p className="empty">Nothing recorded yet.</p>
        ) : (
          <div className="table-scroll" tabIndex={0} role="region" aria-labelledby="audit-heading">
            <table className="audit">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">What</th>
                  <th scope="col">By</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {audit.items.map((entry) => (
                  <tr key={entry.eventId}>
                    <td>
                      <time dateTime={entry.occurredAt}>{formatDateTime(entry.occurredAt)}</time>
                    </td>
                    <td>{ACTION_TEXT[entry.action]}</td>
                    <td>{entry.actor.kind}</td>
                    <td>{entry.clientIp ?? '—'}</td>
                    <td>{detailText(entry.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {audit?.nextCursor && (
          <button type="button" className="button" onClick={() => void loadMoreAudit()}>
            Show older entries
          </button>
        )}
      </section>

      <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />
      {stepUp.dialog}
    </section>
  );
}
