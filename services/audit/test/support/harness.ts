import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTokenEvent, type Actor, type TokenEventOf, type TokenEventType } from '@tessera/contracts';
import { SAMPLE_EVENT_DATA } from '@tessera/contracts/testing';
import { createDatabase, ensureBucket, publishJson, Topology, topologySettings, type Database, type RunningService } from '@tessera/platform';
import { captureLogger, testDatabaseUrl, testNatsUrl, uniqueName, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { AuditConfig } from '../../src/config.js';
import type { AuditDatabase } from '../../src/db.js';
import { startAudit, type AuditDependencies } from '../../src/service.js';
import { startJwks, TEST_AUDIENCE, TEST_ISSUER, TEST_USER_AGENT, type TestJwks } from './jwks.js';

export interface AuditHarness {
  config: AuditConfig;
  service: RunningService;
  baseUrl: string;
  jwks: TestJwks;
  nc: NatsConnection;
  js: JetStreamClient;
  topology: Topology;
  database: Database<AuditDatabase>;
  logs: () => Array<Record<string, unknown>>;
  publish(event: { id: string; type: TokenEventType; userId: string }, msgId?: string): Promise<{ seq: number; duplicate: boolean }>;
  get(path: string, token?: string): Promise<{ status: number; body: any; headers: Headers }>;
  post(path: string, token?: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  /** Rows of the live table without recorded_at, ordered by event id: what a rebuild must reproduce. */
  snapshot(): Promise<Array<Record<string, unknown>>>;
  rowCount(): Promise<number>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The audit service in-process on port 0, with its own NATS namespace (streams, consumer),
 * its own Postgres schema and its own JWKS server, so test files run side by side.
 */
export async function startHarness(env: Record<string, string> = {}, dependencies: AuditDependencies = {}): Promise<AuditHarness> {
  const jwks = await startJwks();
  const config = AuditConfig.parse({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DATABASE_URL: testDatabaseUrl(),
    DATABASE_SCHEMA: uniqueName('t_audit'),
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: `audit${uniqueSuffix()}`,
    JWKS_URL: jwks.url,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    AUDIT_LAG_POLL_INTERVAL_MS: '100',
    AUDIT_MAX_ATTEMPTS: '3',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...env,
  });
  const { logger, lines } = captureLogger('audit-test', 'warn');
  // The bucket the revocation service owns; the audit API's verifier mirrors it.
  const setup = await connect({ servers: config.NATS_URL });
  await ensureBucket(setup, { name: new Topology(topologySettings(config)).revocationsBucket, maxAgeMs: 3_600_000 });
  await setup.close();
  // Ready means the streams and the durable consumer exist and the projection is running.
  const boot = async () => {
    const started = await startAudit(config, logger, dependencies);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${started.port}/health/ready`)).status === 200, { what: 'audit ready' });
    return started;
  };
  let service = await boot();
  const nc = await connect({ servers: config.NATS_URL });
  const js = jetstream(nc);
  const topology = new Topology(topologySettings(config));
  const database = createDatabase<AuditDatabase>({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: 4 });

  const request = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${service.port}${path}`, {
      method,
      headers: { 'user-agent': TEST_USER_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };

  return {
    config,
    get service() {
      return service;
    },
    get baseUrl() {
      return `http://127.0.0.1:${service.port}`;
    },
    jwks,
    nc,
    js,
    topology,
    database,
    logs: lines,
    async publish(event, msgId = event.id) {
      const ack = await publishJson(js, topology.tokenEventSubject(event.type, event.userId), event, { msgId });
      return { seq: ack.seq, duplicate: ack.duplicate };
    },
    get: (path, token) => request('GET', path, token),
    post: (path, token, body) => request('POST', path, token, body),
    async snapshot() {
      const { rows } = await sql<Record<string, unknown>>`
        select event_id, action, user_id, token_id, actor_kind, actor_id, host(client_ip) as client_ip, user_agent, reason,
               occurred_at, stream_seq, data
        from auth_token_audit order by event_id`.execute(database.db);
      return rows;
    },
    async rowCount() {
      const { rows } = await sql<{ n: number }>`select count(*)::bigint as n from auth_token_audit`.execute(database.db);
      return rows[0]!.n;
    },
    async restart() {
      await service.stop();
      service = await boot();
    },
    async close() {
      await service.stop();
      const jsm = await jetstreamManager(nc);
      for (const spec of Object.values(topology.streams)) await jsm.streams.delete(spec.name).catch(() => {});
      await nc.close();
      await sql`drop schema if exists ${sql.id(config.DATABASE_SCHEMA)} cascade`.execute(database.db).catch(() => {});
      await database.close();
      await jwks.close();
    },
  };
}

/** A valid event of `type` for `userId` with a fresh UUIDv7, the sample payload and `patch` applied. */
export function makeEvent<T extends TokenEventType>(
  type: T,
  userId: string,
  options: { occurredAt?: Date; data?: Partial<TokenEventOf<T>['data']>; actor?: Actor } = {},
): TokenEventOf<T> {
  return createTokenEvent(type, {
    id: uuidv7(),
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    userId,
    actor: options.actor ?? { kind: 'user', id: userId },
    data: { ...SAMPLE_EVENT_DATA[type], ...(options.data ?? {}) },
  } as unknown as Omit<TokenEventOf<T>, 'type' | 'schemaVersion'>);
}

export const newUserId = (): string => randomUUID();
