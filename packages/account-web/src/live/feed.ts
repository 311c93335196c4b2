// The page's connection to /ws/tokens: @tessera/client does AUTH-by-message, subscriptions,
// validation and reconnects after network trouble; this adds what a signed-in page needs on top:
// a fresh token at each connect, and the sign-out (or refresh) a terminal close calls for.
import type { ServerMessage } from '@tessera/contracts';
import { TokenEventsClient, type ClosedInfo, type WebSocketFactory, type WebSocketLike } from '@tessera/client';
import { ApiError } from '../api/failure.js';
import type { AuthSession } from '../auth/session.js';
import { decideOnClose, type LastPush } from './close-policy.js';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveFeedOptions {
  /** `ws(s)://<host>/ws/tokens`, same origin as the page. */
  url: string;
  session: AuthSession;
  /** The users whose events to hear: oneself, and for an admin the user on screen. */
  userIds: string[];
  onPush: (message: ServerMessage) => void;
  onStatus: (status: LiveStatus) => void;
  createSocket?: WebSocketFactory;
  /** Wait before retrying after the page could not get a token (network down). */
  retryMs?: number;
}

/** Same origin as the page, so the gateway (or nginx) routes it to the notifier. */
export function liveUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/tokens`;
}

/** Starts the feed; the returned function stops it (and is called when the session ends). */
export function startLiveFeed(options: LiveFeedOptions): () => void {
  const { session, onPush, onStatus } = options;
  const own = session.claims.userId;
  const last: LastPush = { revokedReason: null, logoutAllReason: null };
  let stopped = false;
  let refusedInARow = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const client = new TokenEventsClient({
    url: options.url,
    token: () => session.accessToken(),
    // The DOM's handler types take Event, the client's take unknown: same object, narrower types.
    createSocket: options.createSocket ?? ((url) => new WebSocket(url) as unknown as WebSocketLike),
    subscriptions: [...new Set(options.userIds.map((id) => id.toLowerCase()))].map((userId) => ({ userId })),
    reconnect: { initialDelayMs: 500, maxDelayMs: 15_000 },
  });

  const retryLater = () => {
    onStatus('offline');
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, options.retryMs ?? 5_000);
  };

  function connect(): void {
    if (stopped) return;
    onStatus('connecting');
    client.connect().catch((error: unknown) => {
      // Closes are handled in onClosed; here only a failure to get a token lands.
      if (stopped || !(error instanceof ApiError)) return;
      if (error.failure.kind === 'unauthorized') session.end({ kind: 'expired' });
      else retryLater();
    });
  }

  async function onClosed(info: ClosedInfo): Promise<void> {
    if (stopped) return;
    if (info.willReconnect) return onStatus('reconnecting');
    const action = decideOnClose(info.code, last);
    try {
      switch (action.kind) {
        case 'confirm':
          onStatus('reconnecting');
          if (await session.confirmOrEnd(action.reason)) connect();
          return;
        case 'refresh_and_reconnect':
          // 4013: the socket's token expired; accessToken() hands out the current one.
          // 4001: the token was refused: rotate first. Three refusals in a row: give up.
          if (info.code !== 4013) {
            if (++refusedInARow > 3) return onStatus('offline');
            await session.refresh();
          }
          connect();
          return;
        case 'stop':
          onStatus('offline');
          return;
        default: {
          const unhandled: never = action;
          return unhandled;
        }
      }
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.failure.kind === 'unauthorized') session.end({ kind: 'expired' });
      else retryLater();
    }
  }

  const offs = [
    client.on('SUBSCRIBED', () => {
      refusedInARow = 0;
      onStatus('live');
    }),
    client.on('TOKEN_REVOKED', (message) => {
      if (message.userId.toLowerCase() === own) last.revokedReason = message.reason;
      onPush(message);
    }),
    client.on('LOGOUT_ALL', (message) => {
      if (message.userId.toLowerCase() === own) last.logoutAllReason = message.reason;
      onPush(message);
    }),
    client.on('PASSWORD_CHANGED', onPush),
    client.on('TOKEN_EXPIRED', onPush),
    // Two-step sign-in turned off on another device: the account page shows it at once.
    client.on('MFA_DISABLED', onPush),
    client.on('closed', (info) => void onClosed(info)),
  ];

  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    offs.forEach((off) => off());
    offEnd();
    client.close();
  };
  const offEnd = session.onEnd(stop);
  connect();
  return stop;
}
