import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Migration } from 'kysely';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from 'prom-client';
import { createHttpApp } from './http/app.js';
import type { HealthCheck } from './http/health.js';
import { closeServer, listen } from './http/server.js';
import { shutdown, type ShutdownStep } from './lifecycle.js';
import type { Logger } from './logger.js';
import { createRegistry } from './metrics.js';
import { NatsLink } from './nats/connect.js';
import { createDatabase, pingDatabase, type Database } from './postgres/database.js';
import { migrateToLatest } from './postgres/migrate.js';
import { observePool } from './postgres/pool-metrics.js';

export interface ServiceContext<DB> {
  logger: Logger;
  registry: Registry;
  nats: NatsLink;
  database: DB extends never ? undefined : Database<DB>;
}

export interface ServiceParts {
  routes?: (app: Express) => void;
  health?: HealthCheck[];
  /** Runs once NATS is connected (provision streams, start consumers). Retried on failure. */
  onNats?: (nc: NatsConnection) => Promise<void>;
  /** Called with the HTTP server once it listens (e.g. to attach a WebSocket server). */
  onListen?: (server: Server) => void;
  /**
   * Sees every request before the Express stack and answers the few it owns (a hot route that
   * cannot afford helmet, access logs and body parsers per call), returning true; false passes
   * the request on to Express. It owns everything Express would have done for those requests.
   */
  fastPath?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Runs first at shutdown, before HTTP stops: e.g. close WebSockets with "going away". */
  beforeClose?: () => Promise<void>;
  /** Stops the service's own work (consumers, loops) after HTTP, before connections close. */
  stop?: () => Promise<void>;
}

export interface ServiceOptions<DB> {
  name: string;
  logger: Logger;
  port: number;
  host?: string;
  natsUrl: string;
  /** Whether the service can do useful work without NATS (token-api can: its outbox waits). */
  natsRequiredForReadiness: boolean;
  database?: { url: string; schema: string; poolMax?: number; migrations: Record<string, Migration> };
  shutdownTimeoutMs?: number;
  build: (context: ServiceContext<DB>) => Promise<ServiceParts> | ServiceParts;
}

export interface RunningService {
  port: number;
  server: Server;
  registry: Registry;
  nats: NatsLink;
  stop(): Promise<'clean' | 'timed_out'>;
}

/**
 * Boots a service the same way everywhere: metrics registry, Postgres (migrated before anything
 * else runs), NATS connecting in the background, the HTTP app with health checks, and an ordered
 * shutdown. `main.ts` files only load config and call this; tests call it with port 0.
 */
export async function runService<DB = never>(options: ServiceOptions<DB>): Promise<RunningService> {
  const { logger, name } = options;
  const registry = createRegistry(name);
  const nats = new NatsLink({ url: options.natsUrl, name, logger });

  let database: Database<DB> | undefined;
  if (options.database) {
    database = createDatabase<DB>({ url: options.database.url, schema: options.database.schema, poolMax: options.database.poolMax, applicationName: name });
    await migrateToLatest(database.db, database.schema, options.database.migrations, logger);
    observePool(database.pool, registry);
  }

  const parts = await options.build({ logger, registry, nats, database } as ServiceContext<DB>);

  const health: HealthCheck[] = [
    {
      name: 'nats',
      readiness: options.natsRequiredForReadiness,
      check: () => {
        const status = nats.status();
        return { status: status.connected ? 'UP' : 'DOWN', detail: status };
      },
    },
    ...(database
      ? [
          {
            name: 'postgres',
            readiness: true,
            check: async () => {
              await pingDatabase(database!.pool);
              return { status: 'UP' as const };
            },
          },
        ]
      : []),
    ...(parts.health ?? []),
  ];

  const app = createHttpApp({ logger, registry, health, routes: parts.routes });
  const fastPath = parts.fastPath;
  const handler: RequestListener = fastPath
    ? (req, res) => {
        if (!fastPath(req, res)) app(req, res);
      }
    : app;
  const { server, port } = await listen(handler, options.port, options.host);
  parts.onListen?.(server);
  logger.info({ port }, `${name} listening`);

  if (parts.onNats) {
    const onNats = parts.onNats;
    nats.onConnect(async (nc) => {
      // Provisioning can fail while NATS is half up (JetStream not ready): retry until it works.
      for (let attempt = 1; ; attempt++) {
        try {
          return await onNats(nc);
        } catch (error) {
          if (nc.isClosed()) return;
          logger.warn({ err: error, attempt }, 'nats setup failed, retrying');
          await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
        }
      }
    });
  }
  nats.start();

  const steps: ShutdownStep[] = [
    ...(parts.beforeClose ? [{ name: 'before-close', run: parts.beforeClose }] : []),
    { name: 'http', run: () => closeServer(server) },
    ...(parts.stop ? [{ name: 'service', run: parts.stop }] : []),
    { name: 'nats', run: () => nats.close() },
    ...(database ? [{ name: 'postgres', run: () => database!.close() }] : []),
  ];
  return {
    port,
    server,
    registry,
    nats,
    stop: () => shutdown(steps, logger, options.shutdownTimeoutMs ?? 10_000),
  };
}
