// Test harness for token-api integration tests: a real service in-process on port 0, its own
// schema and NATS namespace, plus helpers to call it, read its tables and read its streams.
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { loadConfig, Topology, topologySettings, type RunningService } from '@tessera/platform';
import { captureLogger, queryTestDatabase, testDatabaseUrl, testNatsUrl, uniqueName, uniqueSuffix } from '@tessera/platform/testing';
import { TokenApiConfig, startTokenApi } from '../src/index.js';

export const PASSWORD = 'correct horse battery staple';
export const PHONE_UA = 'TesseraPhone/1.0 (Android 15)';
export const LAPTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0';

export interface Api {
  url: string;
  config: TokenApiConfig;
  service: RunningService;
  topology: Topology;
  logs: () => Array<Record<string, unknown>>;
  call(method: string, path: string, options?: { body?: unknown; raw?: string; token?: string; ua?: string; ip?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any; text: string }>;
  sql<R extends Record<string, unknown> = Record<string, any>>(text: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

/** Small argon2 parameters keep tests fast; the benchmark uses the production defaults. */
export const FAST_ARGON2 = { ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1' };

export async function startApi(env: Record<string, string> = {}, existing?: { schema?: string; namespace?: string }): Promise<Api> {
  const schema = existing?.schema ?? uniqueName('t_token_api');
  const namespace = existing?.namespace ?? `ta${uniqueSuffix()}`;
  const config = loadConfig(TokenApiConfig, {
    DATABASE_URL: testDatabaseUrl(),
    NATS_URL: testNatsUrl(),
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_SCHEMA: schema,
    NATS_NAMESPACE: namespace,
    OUTBOX_RELAY_INTERVAL_MS: '100',
    ...FAST_ARGON2,
    ...env,
  });
  const { logger, lines } = captureLogger('token-api');
  const service = await startTokenApi(config, logger);
  const url = `http://127.0.0.1:${service.port}`;
  return {
    url,
    config,
    service,
    topology: new Topology(topologySettings(config)),
    logs: lines,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { 'user-agent': options.ua ?? PHONE_UA, ...(options.headers ?? {}) };
      if (options.body !== undefined || options.raw !== undefined) headers['content-type'] ??= 'application/json';
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.ip) headers['x-forwarded-for'] = options.ip;
      const res = await fetch(`${url}${path}`, { method, headers, body: options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined) });
      const text = await res.text();
      let body: any = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      return { status: res.status, headers: res.headers, body, text };
    },
    sql: (text, values) => queryTestDatabase(text.replaceAll('$schema', schema), values),
    async stop() {
      await service.stop();
    },
  };
}

export async function dropSchema(api: Api): Promise<void> {
  await queryTestDatabase(`drop schema if exists ${api.config.DATABASE_SCHEMA} cascade`);
}

/** Registers a user and logs in; returns the pair. */
export async function registerAndLogin(api: Api, options: { email?: string; ua?: string; scopes?: string[] } = {}) {
  const email = options.email ?? `${uniqueSuffix()}@example.com`;
  const reg = await api.call('POST', '/api/v1/users', { body: { email, password: PASSWORD } });
  if (reg.status !== 201) throw new Error(`register failed: ${reg.status} ${reg.text}`);
  const login = await api.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, ...(options.scopes ? { scopes: options.scopes } : {}) }, ua: options.ua });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return { email, userId: reg.body.id as string, access: login.body.access_token as string, refresh: login.body.refresh_token as string, body: login.body };
}

export interface StreamMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  data: any;
}

/** Every message currently in a stream, in stream order. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  if (total === 0) return [];
  const consumer = await jetstream(nc).consumers.get(stream);
  const out: StreamMessage[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: total - out.length, expires: 2_000 });
    for await (const m of batch) out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), data: m.json() });
    if (out.length < total && batch.getProcessed() === 0) break;
  }
  return out;
}

export async function natsConnection(url = testNatsUrl()): Promise<NatsConnection> {
  return connect({ servers: url });
}
