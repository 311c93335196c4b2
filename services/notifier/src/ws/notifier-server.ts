import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_MAX_CLIENT_MESSAGE_CHARS, WsCloseCode, WsErrorCode, type TokenEvent } from '@tessera/contracts';
import type { Logger } from '@tessera/platform';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SocketAuthenticator } from '../auth.js';
import { ConnectionIndex } from '../connection-index.js';
import { decideDelivery } from '../delivery.js';
import type { NotifierMetrics } from '../metrics.js';
import { SocketSession, type SessionLimits } from './socket-session.js';

export const WS_PATH = '/ws/tokens';

export interface NotifierServerOptions {
  authenticator: SocketAuthenticator;
  limits: SessionLimits;
  maxConnections: number;
  maxConnectionsPerUser: number;
  pingIntervalMs: number;
  metrics: NotifierMetrics;
  logger: Logger;
  now?: () => number;
}

// Credentials in a URL end up in proxy and access logs: refuse them outright.
const CREDENTIAL_PARAMS = ['token', 'access_token', 'jwt', 'auth', 'authorization'];

/**
 * The `/ws/tokens` endpoint: accepts sockets on the service's HTTP server, keeps the indexes
 * from user id to sockets, pushes token events to the sockets that care, and finds dead peers
 * with protocol-level pings.
 */
export class NotifierServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_CLIENT_MESSAGE_CHARS * 2, perMessageDeflate: false });
  private readonly sessions = new Set<SocketSession>();
  /** Sockets by the user whose token they hold (close rules, per-user cap). */
  private readonly owners = new ConnectionIndex<SocketSession>();
  /** Sockets by each user they subscribed to. */
  private readonly subscribers = new ConnectionIndex<SocketSession>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: NotifierServerOptions) {
    this.now = options.now ?? Date.now;
    this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs);
    this.pingTimer.unref();
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, url));
    });
  }

  private accept(ws: WebSocket, req: IncomingMessage, url: URL): void {
    const session = new SocketSession(
      ws,
      { userAgent: req.headers['user-agent'], clientIp: req.socket.remoteAddress },
      this.options.authenticator,
      this.options.limits,
      {
        onAuthenticated: (s) => this.register(s),
        onSubscribe: (s, subscription) => this.subscribers.add(subscription.userId, s),
        onClose: (s) => this.unregister(s),
      },
      this.options.metrics,
      this.options.logger,
    );
    this.sessions.add(session);
    this.options.metrics.connections.set(this.sessions.size);

    const refuse = (code: string, message: string, closeCode: number) => {
      this.options.metrics.rejected.inc({ reason: code });
      session.send({ type: 'ERROR', code, message });
      session.close(closeCode, code);
    };
    if (CREDENTIAL_PARAMS.some((p) => url.searchParams.has(p))) {
      return refuse(WsErrorCode.UNAUTHORIZED, 'tokens are not accepted in the URL; use the Authorization header or an AUTH message', WsCloseCode.UNAUTHORIZED);
    }
    if (this.sessions.size > this.options.maxConnections) {
      return refuse(WsErrorCode.TOO_MANY_CONNECTIONS, 'server is at its connection limit', 1013);
    }
    const header = req.headers.authorization;
    let headerToken: string | undefined;
    if (header !== undefined) {
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
      if (!match) return refuse(WsErrorCode.UNAUTHORIZED, 'malformed Authorization header', WsCloseCode.UNAUTHORIZED);
      headerToken = match[1];
    }
    void session.start(headerToken);
  }

  private register(session: SocketSession): boolean {
    const userId = session.principal!.userId;
    if (this.owners.countOf(userId) >= this.options.maxConnectionsPerUser) return false;
    this.owners.add(userId, session);
    return true;
  }

  private unregister(session: SocketSession): void {
    this.sessions.delete(session);
    this.options.metrics.connections.set(this.sessions.size);
    if (session.principal) this.owners.remove(session.principal.userId, session);
    for (const subscription of session.subscriptions) this.subscribers.remove(subscription.userId, session);
  }

  /** Pushes one token event to every socket of its user and every socket subscribed to them. */
  deliver(event: TokenEvent): number {
    const targets = new Set([...this.owners.connectionsOf(event.userId), ...this.subscribers.connectionsOf(event.userId)]);
    let sent = 0;
    const occurredAt = Date.parse(event.occurredAt);
    for (const session of targets) {
      if (!session.principal) continue;
      const delivery = decideDelivery(event, session.principal, session.subscriptions);
      if (!delivery) continue;
      if (session.send(delivery.message)) {
        sent += 1;
        this.options.metrics.deliveryLatency.observe(Math.max(0, this.now() - occurredAt) / 1000);
      }
      if (delivery.closeWith !== undefined) session.close(delivery.closeWith, delivery.message.type.toLowerCase());
    }
    return sent;
  }

  private pingAll(): void {
    for (const session of this.sessions) {
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }

  /** Graceful shutdown: "going away" tells clients to reconnect (to another replica). */
  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const session of [...this.sessions]) session.close(WsCloseCode.GOING_AWAY, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
