import { parseClientMessage, WsCloseCode, WsErrorCode, type ServerMessage } from '@tessera/contracts';
import type { Logger } from '@tessera/platform';
import type { WebSocket } from 'ws';
import type { AuthResult, SocketAuthenticator, SocketPrincipal } from '../auth.js';
import type { Subscription } from '../delivery.js';
import type { NotifierMetrics } from '../metrics.js';

export interface SessionLimits {
  maxBufferedBytes: number;
  maxErrors: number;
  authTimeoutMs: number;
}

export interface SessionHooks {
  /** Called once the socket is authenticated; returns false when a connection cap refuses it. */
  onAuthenticated(session: SocketSession): boolean;
  onSubscribe(session: SocketSession, subscription: Subscription): void;
  onClose(session: SocketSession): void;
}

/**
 * One client socket: authentication (header at upgrade, or a first AUTH message within the
 * timeout), subscriptions, typed sends with the slow-reader bound, and the error budget.
 */
export class SocketSession {
  principal: SocketPrincipal | null = null;
  readonly subscriptions: Subscription[] = [];
  private errors = 0;
  private closed = false;
  private authTimer: NodeJS.Timeout | null = null;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** Messages that arrive while a token is being checked wait for the outcome, in order. */
  private authenticating: Promise<void> | null = null;
  alive = true;

  constructor(
    readonly socket: WebSocket,
    private readonly context: { userAgent?: string; clientIp?: string },
    private readonly authenticator: SocketAuthenticator,
    private readonly limits: SessionLimits,
    private readonly hooks: SessionHooks,
    private readonly metrics: NotifierMetrics,
    private readonly logger: Logger,
  ) {
    socket.on('message', (data, isBinary) => void this.onMessage(isBinary ? null : data.toString()));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.cleanup());
    socket.on('error', () => this.cleanup());
  }

  /** With a header token, authenticate now; otherwise wait for AUTH within the timeout. */
  async start(headerToken: string | undefined): Promise<void> {
    if (headerToken !== undefined) return this.startAuthentication(headerToken);
    this.authTimer = setTimeout(() => this.fail(WsErrorCode.AUTH_TIMEOUT, 'no AUTH message in time', WsCloseCode.AUTH_TIMEOUT), this.limits.authTimeoutMs);
  }

  send(message: ServerMessage): boolean {
    if (this.closed || this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.metrics.slowReaderDisconnects.inc();
      this.logger.warn({ user_id: this.principal?.userId, buffered: this.socket.bufferedAmount }, 'closing slow reader');
      this.close(WsCloseCode.POLICY_VIOLATION, 'slow reader');
      return false;
    }
    this.socket.send(JSON.stringify(message));
    this.metrics.messagesSent.inc({ type: message.type });
    return true;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.cleanup();
    this.socket.close(code, reason);
  }

  private fail(code: string, message: string, closeCode: number): void {
    this.metrics.rejected.inc({ reason: code });
    this.send({ type: 'ERROR', code, message });
    this.close(closeCode, code);
  }

  private startAuthentication(token: string): Promise<void> {
    this.authenticating = this.authenticate(token);
    return this.authenticating;
  }

  private async authenticate(token: string): Promise<void> {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    let result: AuthResult;
    try {
      result = await this.authenticator.authenticate(token, this.context);
    } catch (error) {
      this.logger.error({ err: error }, 'socket authentication failed');
      return this.fail(WsErrorCode.INTERNAL_ERROR, 'authentication is unavailable', WsCloseCode.GOING_AWAY);
    }
    if (this.closed) return;
    if (!result.ok) return this.fail(WsErrorCode.UNAUTHORIZED, `token refused: ${result.reason}`, WsCloseCode.UNAUTHORIZED);
    this.principal = result.principal;
    if (!this.hooks.onAuthenticated(this)) return this.fail(WsErrorCode.TOO_MANY_CONNECTIONS, 'too many connections', WsCloseCode.TOO_MANY_ERRORS);
    // The token's own expiry ends the socket even if no TokenExpired event arrives first.
    const untilExpiry = Math.max(0, result.principal.expiresAtMs - Date.now());
    this.expiryTimer = setTimeout(() => {
      const p = this.principal!;
      this.send({ type: 'TOKEN_EXPIRED', tokenId: p.tokenId, userId: p.userId, at: new Date(p.expiresAtMs).toISOString() });
      this.close(WsCloseCode.TOKEN_EXPIRED, 'token expired');
    }, Math.min(untilExpiry, 2 ** 31 - 1));
    this.expiryTimer.unref();
  }

  private async onMessage(raw: string | null): Promise<void> {
    if (this.authenticating) await this.authenticating;
    if (this.closed) return;
    const parsed = raw === null ? ({ ok: false, code: WsErrorCode.INVALID_MESSAGE, message: 'binary frames are not accepted' } as const) : parseClientMessage(raw);
    if (!parsed.ok) return this.onBadMessage(parsed.code, parsed.message);
    const message = parsed.message;
    switch (message.type) {
      case 'AUTH':
        if (this.principal || this.authenticating) return this.onBadMessage(WsErrorCode.INVALID_MESSAGE, 'already authenticated');
        return this.startAuthentication(message.token);
      case 'PING':
        if (!this.principal) return this.onBadMessage(WsErrorCode.UNAUTHORIZED, 'authenticate first');
        this.send({ type: 'PONG', timestamp: new Date().toISOString() });
        return;
      case 'SUBSCRIBE': {
        const own = this.principal;
        if (!own) return this.onBadMessage(WsErrorCode.UNAUTHORIZED, 'authenticate first');
        const isAdmin = own.scopes.includes('ADMIN_TOKENS');
        if (message.userId !== own.userId && !isAdmin) {
          return this.fail(WsErrorCode.FORBIDDEN, 'you may subscribe only to your own user id', WsCloseCode.FORBIDDEN);
        }
        const subscription: Subscription = message.tokenId ? { userId: message.userId, tokenId: message.tokenId } : { userId: message.userId };
        this.subscriptions.push(subscription);
        this.hooks.onSubscribe(this, subscription);
        this.send({ type: 'SUBSCRIBED', ...subscription });
        return;
      }
      default: {
        const unhandled: never = message;
        return unhandled;
      }
    }
  }

  /** An error answer; the socket stays open until its error budget is spent. */
  private onBadMessage(code: string, message: string): void {
    this.errors += 1;
    if (this.errors > this.limits.maxErrors) return this.fail(WsErrorCode.RATE_LIMITED, 'too many invalid messages', WsCloseCode.TOO_MANY_ERRORS);
    this.send({ type: 'ERROR', code, message });
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.hooks.onClose(this);
  }
}

