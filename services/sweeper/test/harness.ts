// Shared by this package's integration tests: a private topology (NATS namespace) and schema per
// test file, event publishing the way token-api does it, and reading back what the stream holds.
import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTokenEvent, parseTokenEvent, type TokenEvent, type TokenEventOf, type TokenEventType } from '@tessera/contracts';
import { createDatabase, loadConfig, provisionStreams, publishJson, Topology, topologySettings, type Database } from '@tessera/platform';
import { testDatabaseUrl, testNatsUrl, uniqueName, uniqueSuffix } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import { SweeperConfig } from '../src/config.js';
import type { SweeperDatabase } from '../src/schedule/tables.js';

export interface World {
  namespace: string;
  schema: string;
  topology: Topology;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Connected to the sweeper's schema (created by the sweeper's migrations). */
  database: Database<SweeperDatabase>;
  /** Sweeper config for this world, with overrides (strings, as from the environment). */
  config(overrides?: Record<string, string>): SweeperConfig;
  env(overrides?: Record<string, string>): Record<string, string>;
  dispose(): Promise<void>;
}

export async function createWorld(prefix: string): Promise<World> {
  const namespace = `sw${uniqueSuffix()}`;
  const schema = uniqueName(`t_${prefix}`);
  const env = (overrides: Record<string, string> = {}) => ({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NATS_URL: testNatsUrl(),
    NATS_NAMESPACE: namespace,
    DATABASE_URL: testDatabaseUrl(),
    DATABASE_SCHEMA: schema,
    SWEEP_INTERVAL_MS: '200',
    ...overrides,
  });
  const config = (overrides: Record<string, string> = {}) => loadConfig(SweeperConfig, env(overrides));
  const topology = new Topology(topologySettings(config()));
  const nc = await connect({ servers: testNatsUrl() });
  const jsm = await jetstreamManager(nc);
  await provisionStreams(nc, topology);
  const database = createDatabase<SweeperDatabase>({ url: testDatabaseUrl(), schema, poolMax: 4 });
  return {
    namespace,
    schema,
    topology,
    nc,
    js: jetstream(nc),
    jsm,
    database,
    config,
    env,
    dispose: async () => {
      const { tokenEvents, dlq, keyEvents } = topology.streams;
      for (const stream of [tokenEvents, dlq, keyEvents]) await jsm.streams.delete(stream.name).catch(() => {});
      await database.pool.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await database.close();
      await nc.close();
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface IssueOptions {
  userId?: string;
  tokenId?: string;
  familyId?: string;
  tokenType?: 'ACCESS' | 'REFRESH';
  issuedAtMs?: number;
  lifetimeMs: number;
}

/** A TokenIssued as token-api's relay publishes it (subject by user, Nats-Msg-Id = event id). */
export function issuedEvent(o: IssueOptions): TokenEventOf<'TokenIssued'> {
  const issuedAtMs = o.issuedAtMs ?? Date.now();
  const userId = o.userId ?? randomUUID();
  return createTokenEvent('TokenIssued', {
    id: uuidv7(),
    occurredAt: iso(issuedAtMs),
    userId,
    actor: { kind: 'user', id: userId },
    data: {
      tokenId: o.tokenId ?? uuidv7({ msecs: issuedAtMs }),
      tokenType: o.tokenType ?? 'ACCESS',
      familyId: o.familyId ?? randomUUID(),
      scopes: ['READ_PROFILE'],
      issuedAt: iso(issuedAtMs),
      expiresAt: iso(issuedAtMs + o.lifetimeMs),
      clientIp: '203.0.113.7',
      userAgent: 'integration-test',
      fingerprint: 'a3f5c0de',
    },
  });
}

export function revokedEvent(issued: TokenEventOf<'TokenIssued'>, reason = 'user logout'): TokenEventOf<'TokenRevoked'> {
  return createTokenEvent('TokenRevoked', {
    id: uuidv7(),
    occurredAt: iso(Date.now()),
    userId: issued.userId,
    actor: { kind: 'user', id: issued.userId },
    data: { tokenId: issued.data.tokenId, tokenType: issued.data.tokenType, familyId: issued.data.familyId, reason, expiresAt: issued.data.expiresAt },
  });
}

export function cutoffEvent(type: 'LogoutAll' | 'PasswordChanged', userId: string, notBefore: number): TokenEvent {
  const actor = { kind: 'user' as const, id: userId };
  const base = { id: uuidv7(), occurredAt: iso(Date.now()), userId, actor };
  return type === 'LogoutAll'
    ? createTokenEvent('LogoutAll', { ...base, data: { notBefore, reason: 'logout all devices', revokedCount: 0 } })
    : createTokenEvent('PasswordChanged', { ...base, data: { notBefore } });
}

export async function publishEvent(world: World, event: TokenEvent): Promise<void> {
  await publishJson(world.js, world.topology.tokenEventSubject(event.type, event.userId), event, { msgId: event.id });
}

/** Pipelined, like the relay's catch-up pass: every publish in flight, then every ack. */
export async function publishEvents(world: World, events: readonly TokenEvent[], window = 1_000): Promise<void> {
  for (let i = 0; i < events.length; i += window) await Promise.all(events.slice(i, i + window).map((e) => publishEvent(world, e)));
}

/** How many messages the stream holds on subjects matching `filter`. */
export async function countInStream(world: World, stream: string, filter: string): Promise<number> {
  const info = await world.jsm.streams.info(stream, { subjects_filter: filter });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

/** `<ns>.tokens.<event>.*`: every event of one type, for any user. */
export function typeFilter(world: World, type: TokenEventType): string {
  return world.topology.tokenEventSubject(type, '00000000-0000-0000-0000-000000000000').replace(/[^.]+$/, '*');
}

/** How many events of `type` the token stream holds. */
export function countEvents(world: World, type: TokenEventType): Promise<number> {
  return countInStream(world, world.topology.streams.tokenEvents.name, typeFilter(world, type));
}

/** Every token event of `type` the stream holds, in stream order. */
export async function eventsInStream<T extends TokenEventType>(world: World, type: T): Promise<Array<TokenEventOf<T> & { storedAtMs: number }>> {
  const stream = world.topology.streams.tokenEvents.name;
  const filter = typeFilter(world, type);
  const total = await countInStream(world, stream, filter);
  if (total === 0) return [];
  const consumer = await world.js.consumers.get(stream, { filter_subjects: filter });
  const out: Array<TokenEventOf<T> & { storedAtMs: number }> = [];
  const messages = await consumer.consume({ max_messages: 1_000 });
  for await (const msg of messages) {
    const parsed = parseTokenEvent(msg.json());
    if (!parsed.success || parsed.data.type !== type) throw new Error(`unexpected message on ${msg.subject}`);
    out.push({ ...(parsed.data as TokenEventOf<T>), storedAtMs: Math.floor(msg.info.timestampNanos / 1e6) });
    if (out.length >= total) break;
  }
  await messages.close();
  return out;
}

/** Token ids mapped to how many times the stream holds an event of `type` for them. */
export async function countsByToken(world: World, type: 'TokenExpired' | 'TokenExpiring'): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await eventsInStream(world, type)) counts.set(e.data.tokenId, (counts.get(e.data.tokenId) ?? 0) + 1);
  return counts;
}

export async function scheduledTokenIds(world: World): Promise<string[]> {
  const rows = await world.database.db.selectFrom('expiry_schedule').select('token_id').orderBy('token_id').execute();
  return rows.map((r) => r.token_id);
}

export async function metricValue(registryText: string, name: string, labels = ''): Promise<number> {
  const line = registryText.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  if (line === undefined) throw new Error(`metric ${name}${labels} not found`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}
