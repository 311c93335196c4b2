import { useId, type Ref } from 'react';
import { formatDateTime, formatRelative } from '../format/time.js';
import { countryName, deviceLabel, type SessionView } from '../sessions/group.js';
import { useNow } from './use-now.js';

export interface SessionListProps {
  heading: string;
  headingRef?: Ref<HTMLHeadingElement>;
  sessions: SessionView[];
  /** Families with a sign-out in flight: their button is disabled. */
  busy: ReadonlySet<string>;
  /** Label of the action on a session; null hides it. */
  actionLabel: (session: SessionView) => string | null;
  onAction: (session: SessionView) => void;
  emptyText: string;
}

function DeviceIcon({ type }: { type: SessionView['device']['type'] }) {
  // Decorative: the device type is also written out in the text.
  const path =
    type === 'mobile'
      ? 'M7 2h10a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zm1 2v14h8V4zm4 15.5a1 1 0 1 0 0 .01z'
      : type === 'tablet'
        ? 'M5 2h14a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zm1 2v15h12V4z'
        : 'M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1h-7v2h3v2H7v-2h3v-2H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v9h16V6z';
  return (
    <svg className="device-icon" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      <path d={path} fill="currentColor" />
    </svg>
  );
}

const TYPE_TEXT: Record<SessionView['device']['type'], string> = {
  desktop: 'Computer',
  mobile: 'Phone',
  tablet: 'Tablet',
  bot: 'Automated client',
  other: 'Other device',
};

function Time({ iso, now }: { iso: string; now: number }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now)}
    </time>
  );
}

export function SessionList({ heading, headingRef, sessions, busy, actionLabel, onAction, emptyText }: SessionListProps) {
  const now = useNow(30_000);
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="sessions">
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {heading} <span className="count">({sessions.length})</span>
      </h2>
      {sessions.length === 0 ? (
        <p className="empty">{emptyText}</p>
      ) : (
        <ul className="session-list">
          {sessions.map((session) => {
            const label = deviceLabel(session.device);
            const action = actionLabel(session);
            return (
              <li key={session.familyId} className={`session${session.current ? ' session-current' : ''}`} data-session-id={session.familyId}>
                <DeviceIcon type={session.device.type} />
                <div className="session-main">
                  <h3 className="session-title">
                    {label}
                    {session.current && <span className="badge">This device</span>}
                  </h3>
                  <dl className="session-facts">
                    <div>
                      <dt>Device</dt>
                      <dd>{TYPE_TEXT[session.device.type]}</dd>
                    </div>
                    <div>
                      <dt>IP address</dt>
                      <dd>{session.clientIp}</dd>
                    </div>
                    {session.country !== null && (
                      <div>
                        <dt>Country</dt>
                        <dd>{countryName(session.country)}</dd>
                      </div>
                    )}
                    <div>
                      <dt>Signed in</dt>
                      <dd>
                        <Time iso={session.signedInAt} now={now} />
                      </dd>
                    </div>
                    <div>
                      <dt>Last active</dt>
                      <dd>
                        <Time iso={session.lastActiveAt} now={now} />
                      </dd>
                    </div>
                  </dl>
                </div>
                {action !== null && (
                  <button type="button" className="button button-danger-outline session-action" disabled={busy.has(session.familyId)} onClick={() => onAction(session)}>
                    {action}
                    <span className="visually-hidden">
                      {' '}
                      ({label}, {session.clientIp})
                    </span>
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
