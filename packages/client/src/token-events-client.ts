import { ServerMessage, WsCloseCode } from '@tessera/contracts';

/** The part of the WebSocket API we use: the browser's, and the `ws` package's, both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;
export interface ClosedInfo {
  code: number;
  reason: string;
  /** True when the client will reconnect by itself (server restart, network). */
  willReconnect: boolean;
}
type Listeners = Map<string, Set<(value: never) => void>>;

export interface TokenEventsClientOptions {
  /** `ws://host:9003/ws/tokens`; never put a token in it. */
  url: string;
  /** The current access token; called at every (re)connect, so a refreshed token is used. */
  token: () => string | Promise<string>;
  /** Defaults to the global WebSocket (browsers, Node 22+); pass one built on `ws` in Node 20. */
  createSocket?: WebSocketFactory;
  /** What to subscribe to after each authentication. */
  subscriptions?: Array<{ userId: string; tokenId?: string }>;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

/*
 * Close codes after which reconnecting with the same token cannot help: the app must sign in
 * again (or refresh, for 4013). Everything else (1001 going away, 1006 network, 4008, 4029) is
 * retried with exponential backoff and jitter.
 */
const TERMINAL_CLOSE_CODES = new Set<number>([
  WsCloseCode.UNAUTHORIZED,
  WsCloseCode.FORBIDDEN,
  WsCloseCode.POLICY_VIOLATION,
  WsCloseCode.MESSAGE_TOO_BIG,
  WsCloseCode.TOKEN_REVOKED,
  WsCloseCode.LOGGED_OUT_EVERYWHERE,
  WsCloseCode.PASSWORD_CHANGED,
  WsCloseCode.TOKEN_EXPIRED,
]);

/**
 * Connects to `/ws/tokens`, authenticates with an AUTH message (works in browsers, where
 * WebSockets cannot send headers), re-subscribes after every reconnect, and hands each server
 * message, validated with the contract's schema, to typed listeners.
 */
export class TokenEventsClient {
  private socket: WebSocketLike | null = null;
  private readonly listeners: Listeners = new Map();
  private readonly subscriptions: Array<{ userId: string; tokenId?: string }>;
  private attempt = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: TokenEventsClientOptions) {
    this.subscriptions = [...(options.subscriptions ?? [])];
  }

  on<T extends ServerMessage['type']>(type: T, listener: (message: MessageOf<T>) => void): () => void;
  on(type: 'closed', listener: (info: ClosedInfo) => void): () => void;
  on(type: string, listener: (value: never) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Resolves once the first SUBSCRIBED arrives (or at once if there is nothing to subscribe). */
  connect(): Promise<void> {
    this.stopped = false;
    return new Promise((resolve, reject) => {
      const offSubscribed = this.on('SUBSCRIBED', () => {
        offSubscribed();
        offClosed();
        resolve();
      });
      const offClosed = this.on('closed', (info) => {
        if (info.willReconnect) return;
        offSubscribed();
        offClosed();
        reject(new Error(`socket closed (${info.code} ${info.reason})`));
      });
      void this.open().then(() => {
        if (this.subscriptions.length === 0) {
          offSubscribed();
          offClosed();
          resolve();
        }
      }, reject);
    });
  }

  subscribe(userId: string, tokenId?: string): void {
    const subscription = tokenId ? { userId, tokenId } : { userId };
    this.subscriptions.push(subscription);
    this.sendRaw({ type: 'SUBSCRIBE', ...subscription });
  }

  ping(): void {
    this.sendRaw({ type: 'PING' });
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close(1000, 'client closed');
  }

  private async open(): Promise<void> {
    const token = await this.options.token();
    const factory = this.options.createSocket ?? ((url: string) => new (globalThis as unknown as { WebSocket: new (u: string) => WebSocketLike }).WebSocket(url));
    const socket = factory(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'AUTH', token }));
      for (const s of this.subscriptions) socket.send(JSON.stringify({ type: 'SUBSCRIBE', ...s }));
    };
    socket.onmessage = (event) => this.onMessage(event.data);
    socket.onerror = () => {};
    socket.onclose = (event) => this.onClose(event.code, event.reason);
  }

  private onMessage(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'SUBSCRIBED') this.attempt = 0;
    this.emit(message.type, message);
  }

  private onClose(code: number, reason: string): void {
    this.socket = null;
    const willReconnect = !this.stopped && !TERMINAL_CLOSE_CODES.has(code) && code !== 1000;
    this.emit('closed', { code, reason, willReconnect });
    if (!willReconnect) return;
    const { initialDelayMs = 250, maxDelayMs = 30_000 } = this.options.reconnect ?? {};
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.timer = setTimeout(() => void this.open(), delay);
  }

  private emit(type: string, value: unknown): void {
    this.listeners.get(type)?.forEach((listener) => (listener as (v: unknown) => void)(value));
  }

  private sendRaw(message: object): void {
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}
