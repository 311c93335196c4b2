import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';

export interface NatsLinkOptions {
  url: string;
  name: string;
  logger: Logger;
  /** Delay between attempts while the first connection has not been made yet. */
  retryDelayMs?: number;
}

/**
 * One NATS connection for the life of the process. The first connect is retried in the
 * background, so a service boots (and answers health checks that say NATS is DOWN) while NATS is
 * unreachable; after that the client itself reconnects forever. Work that needs NATS registers
 * with `onConnect` and runs once the connection exists.
 */
export class NatsLink {
  private nc: NatsConnection | null = null;
  private closing = false;
  private readonly waiters: Array<(nc: NatsConnection) => void> = [];
  private readonly onConnectHandlers: Array<(nc: NatsConnection) => Promise<void> | void> = [];
  private timer: NodeJS.Timeout | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: NatsLinkOptions) {}

  /** Starts connecting; resolves at once (use `connected()` to wait). */
  start(): void {
    void this.attempt();
  }

  /** Resolves with the connection once there is one. */
  connected(): Promise<NatsConnection> {
    if (this.nc) return Promise.resolve(this.nc);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Runs `handler` when the connection is first made (or at once if it already is). */
  onConnect(handler: (nc: NatsConnection) => Promise<void> | void): void {
    this.onConnectHandlers.push(handler);
    if (this.nc) void this.runHandler(handler, this.nc);
  }

  get connection(): NatsConnection | null {
    return this.nc;
  }

  /** True while the client has a live connection to a server (not during reconnects). */
  isConnected(): boolean {
    return this.nc !== null && !this.nc.isClosed() && this.connectedNow;
  }

  status(): { connected: boolean; server?: string; error?: string } {
    if (this.isConnected()) return { connected: true, server: this.nc!.getServer() };
    return { connected: false, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  private connectedNow = false;

  private async attempt(): Promise<void> {
    if (this.closing) return;
    const { url, name, logger } = this.options;
    try {
      const nc = await connect({
        servers: url.split(','),
        name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        reconnectJitter: 100,
        pingInterval: 10_000,
        maxPingOut: 2,
      });
      this.nc = nc;
      this.connectedNow = true;
      this.lastError = null;
      logger.info({ server: nc.getServer() }, 'nats connected');
      void this.watchStatus(nc);
      for (const resolve of this.waiters.splice(0)) resolve(nc);
      for (const handler of this.onConnectHandlers) await this.runHandler(handler, nc);
    } catch (error) {
      this.lastError = (error as Error).message;
      logger.warn({ err: { message: this.lastError } }, 'nats not reachable yet, retrying');
      this.timer = setTimeout(() => void this.attempt(), this.options.retryDelayMs ?? 1000);
      this.timer.unref();
    }
  }

  private async runHandler(handler: (nc: NatsConnection) => Promise<void> | void, nc: NatsConnection): Promise<void> {
    try {
      await handler(nc);
    } catch (error) {
      this.options.logger.error({ err: error }, 'nats on-connect handler failed');
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.connectedNow = false;
          this.options.logger.warn({ nats_status: s.type }, 'nats disconnected');
          break;
        case 'reconnect':
          this.connectedNow = true;
          this.options.logger.info({ nats_status: s.type }, 'nats reconnected');
          break;
        case 'error':
          this.lastError = String((s as { error?: unknown }).error ?? 'error');
          break;
        default:
          break;
      }
    }
  }

  /** Drains subscriptions and pending publishes, then closes. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    try {
      await nc.drain();
    } catch {
      await nc.close();
    }
  }
}
