import type { ServerMessage } from '@tessera/contracts';
import WebSocket from 'ws';

/** A raw test socket that records every server message and how it closed. */
export class TestSocket {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.notify();
    });
    ws.on('error', () => {});
  }

  static open(url: string, options: { token?: string; userAgent?: string } = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, {
      headers: { 'user-agent': options.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) tessera-test', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message of `type` (already received or arriving within the timeout). */
  next<T extends ServerMessage['type']>(type: T, timeoutMs = 5_000): Promise<Extract<ServerMessage, { type: T }>> {
    return this.until(() => this.messages.find((m) => m.type === type) as Extract<ServerMessage, { type: T }> | undefined, `${type}`, timeoutMs);
  }

  closedWith(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closed ?? undefined, 'close', timeoutMs);
  }

  close(): void {
    this.ws.close();
  }

  private until<T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.messages)} closed=${JSON.stringify(this.closed)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
