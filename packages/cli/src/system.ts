import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Topology } from '@tessera/platform';
import pg from 'pg';
import type { CliSettings } from './settings.js';

/** Connections the commands share; opened lazily, closed once at the end. */
export class SystemAccess {
  readonly topology: Topology;
  private nc: NatsConnection | null = null;
  private jsmPromise: Promise<JetStreamManager> | null = null;

  constructor(readonly settings: CliSettings) {
    this.topology = new Topology({ namespace: settings.NATS_NAMESPACE, eventsMaxAgeMs: 30 * 86_400_000 });
  }

  async nats(): Promise<NatsConnection> {
    // No reconnect loop: an operator's command should say at once that NATS is unreachable.
    this.nc ??= await connect({ servers: this.settings.NATS_URL.split(','), timeout: 2_000, maxReconnectAttempts: 0, name: 'tessera-cli' });
    return this.nc;
  }

  async jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= this.nats().then((nc) => jetstreamManager(nc, { timeout: 3_000 }));
    return this.jsmPromise;
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.settings.DATABASE_URL, connectionTimeoutMillis: 2_000 });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async close(): Promise<void> {
    await this.nc?.close();
  }
}
