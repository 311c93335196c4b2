import type { ServerMessage } from '@tessera/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { toFailure, type ApiFailure } from '../api/failure.js';
import type { TesseraApi } from '../api/tessera-api.js';
import type { AuthSession } from '../auth/session.js';
import { liveUrl, startLiveFeed, type LiveStatus } from '../live/feed.js';
import { deviceLabel, groupSessions, type SessionView } from '../sessions/group.js';
import { SessionsStore } from '../sessions/store.js';

export interface LiveSessions {
  sessions: SessionView[] | null;
  failure: ApiFailure | null;
  status: LiveStatus;
  /** Polite screen-reader announcement of the last change that happened by itself. */
  announcement: string;
  /** Re-reads the list; resolves with the sessions read (null if the read failed). */
  reload: () => Promise<SessionView[] | null>;
  /** Called after this page ended a session: removes it at once. */
  removeFamily: (familyId: string) => void;
}

/** Re-read the list this often anyway, and when the window regains focus. */
const RELOAD_INTERVAL_MS = 60_000;

/**
 * The sessions of `userId` (the signed-in user, or for an admin the user on screen), read from
 * the API and kept current by pushes from /ws/tokens. `onPush` sees every push (after the list
 * has been updated), so the page can react to its own session's events too.
 */
export function useLiveSessions(
  api: TesseraApi,
  session: AuthSession,
  userId: string,
  onPush?: (message: ServerMessage, removedFamilies: string[]) => void,
): LiveSessions {
  const own = session.claims.userId;
  const store = useMemo(() => new SessionsStore(userId), [userId]);
  const [version, setVersion] = useState(0);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [announcement, setAnnouncement] = useState('');
  const onPushRef = useRef(onPush);
  onPushRef.current = onPush;
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const currentSessionId = userId === own ? session.claims.sessionId : null;
  const reload = useCallback(async (): Promise<SessionView[] | null> => {
    try {
      const items = await session.authorized((token) => api.activeTokens(token, userId === own ? undefined : userId));
      const kept = store.load(items);
      setFailure(null);
      setVersion((v) => v + 1);
      return groupSessions(kept, currentSessionId);
    } catch (error) {
      if (!session.ended) setFailure(toFailure(error));
      return null;
    }
  }, [api, session, store, userId, own, currentSessionId]);

  useEffect(() => {
    void reload();
    const reloadSoon = () => {
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
      reloadTimer.current = setTimeout(() => void reload(), 100);
    };
    const stop = startLiveFeed({
      url: liveUrl(window.location),
      session,
      userIds: [own, userId],
      onStatus: setStatus,
      onPush: (message) => {
        const before = store.list ?? [];
        const result = store.push(message);
        if (result) {
          if (result.refetch) reloadSoon();
          if (result.removedFamilies.length > 0) {
            setVersion((v) => v + 1);
            const labels = groupSessions(before, null)
              .filter((s) => result.removedFamilies.includes(s.familyId))
              .map((s) => deviceLabel(s.device));
            setAnnouncement(`Signed out: ${labels.join(', ')}.`);
          }
        }
        onPushRef.current?.(message, result?.removedFamilies ?? []);
      },
    });
    const onFocus = () => void reload();
    window.addEventListener('focus', onFocus);
    const interval = setInterval(() => void reload(), RELOAD_INTERVAL_MS);
    return () => {
      stop();
      window.removeEventListener('focus', onFocus);
      clearInterval(interval);
      if (reloadTimer.current) clearTimeout(reloadTimer.current);
    };
  }, [session, store, userId, own, reload]);

  const list = store.list;
  // `version` changes whenever the store does; the store itself is mutable.
  const sessions = useMemo(() => (list === null ? null : groupSessions(list, currentSessionId)), [list, version, currentSessionId]);

  const removeFamily = useCallback(
    (familyId: string) => {
      store.removeFamily(familyId);
      setVersion((v) => v + 1);
    },
    [store],
  );

  return { sessions, failure, status, announcement, reload, removeFamily };
}
