import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { TokenEventType } from '@tessera/contracts';
import { queryTestDatabase, testNatsUrl, waitFor } from '@tessera/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient } from '../support/client.js';
import { startSystem, type ServiceName, type TestSystem } from '../support/system.js';

/*
 * Fuzzing with fast-check: every HTTP body, path and query parameter of the services, every
 * WebSocket client message and every event schema receives generated bad input — random JSON,
 * wrong types, injection strings, huge and exotic Unicode strings, prototype-pollution keys. The
 * services must answer 4xx (never 5xx, never hang), leave the database exactly as it was (digest
 * of every table before and after), dead-letter bad events without crashing, and leave
 * Object.prototype untouched (the services run in this process, so pollution would show here).
 * Run counts are bounded (FUZZ_RUNS, default 25 per route) so the suite stays fast; a failure
 * prints fast-check's seed and the shrunk input.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const PASSWORD = 'correct horse battery staple';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) tessera-test';
const CLIENT = { id: 'fuzz', secret: 'fuzz-secret-0123456789abcdef' };
let system: TestSystem;
let user: { id: string; access: string };
let admin: { id: string; access: string };
/** An admin token with ADMIN_SYSTEM (key rotation), so that route is fuzzed past its scope check. */
let system_: { access: string };
let nc: NatsConnection;

beforeAll(async () => {
  system = await startSystem({ env: { ADMIN_EMAIL: 'fuzz-admin@example.com', ADMIN_PASSWORD: PASSWORD, INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret}`, LOGIN_MAX_FAILURES: '1000', LOGIN_IP_MAX_FAILURES: '100000', TOKEN_RATE_LIMIT_PER_MINUTE: '100000' } });
  const client = new ApiClient(system.url['token-api'], UA);
  const email = `fuzz-${Date.now()}@example.com`;
  const { id } = await client.register(email, PASSWORD);
  user = { id, access: (await client.login(email, PASSWORD)).access_token };
  const adminPair = await client.login('fuzz-admin@example.com', PASSWORD);
  admin = { id: String(JSON.parse(Buffer.from(adminPair.access_token.split('.')[1]!, 'base64url').toString()).sub), access: adminPair.access_token };
  system_ = { access: (await client.login('fuzz-admin@example.com', PASSWORD, ['ADMIN_SYSTEM'])).access_token };
  nc = await connect({ servers: testNatsUrl() });
}, 120_000);
afterAll(async () => {
  await nc?.close();
  await system?.stop();
});

// ---- inputs ---------------------------------------------------------------------------------
const INJECTIONS = ["' OR '1'='1' --", '"; DROP TABLE users; --', '${7*7}', '{{7*7}}', '<script>alert(1)</script>', '../../../../etc/passwd', '%00', '\u0000', '\r\nSet-Cookie: x=1', 'constructor', '__proto__', 'toString', 'NaN', '-1', '1e309', '0x41', '[object Object]', 'null', 'true', 'ﷺ𝕏🙂\u202e\u200b'];
const weirdString = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ minLength: 5_000, maxLength: 14_000 }),
);
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }));
const anyValue = fc.oneof(weirdString, wrongType);
const POLLUTION = [
  '{"__proto__":{"polluted":"yes","admin":true}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"__proto__":{"role":"admin"},"email":"a@example.com","password":"correct horse battery staple"}',
];

/** A JSON body for a route with these fields, certainly invalid: one field always has a wrong type. */
function badBody(fields: string[]): fc.Arbitrary<string> {
  const keyed = fc
    .tuple(fc.record(Object.fromEntries(fields.map((f) => [f, anyValue])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] }), fc.constantFrom(...(fields.length ? fields : ['unexpected'])), wrongType, fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'role', 'admin', 'x'), anyValue, { maxKeys: 2 }))
    .map(([record, forced, value, extra]) => JSON.stringify({ ...extra, ...record, [forced]: value === null ? 12345 : value }));
  return fc.oneof(
    { weight: 6, arbitrary: keyed },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...POLLUTION) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => `{${s}`) },
  );
}

/** A path segment that is not a valid id (UUID or IP address). */
const badSegment = fc.oneof(weirdString.filter((s) => s.length > 0), fc.uuid().map((u) => `${u}x`), fc.constant('00000000-0000-0000-0000-00000000000g')).map((s) => encodeURIComponent(s.slice(0, 6_000)));
/** A query string with a bad value for a known parameter, plus random extra keys. */
function badQuery(known: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...known),
      // A value that is not a valid page size or threshold ('0x41' or ' 7 ' coerce to one and are fine).
      fc.oneof(weirdString, fc.constantFrom('-1', '0', '1000000', 'abc', '1.5')).filter((v) => !(Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 100)), fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor[prototype][x]', 'limit', 'a[]'), fc.string({ maxLength: 10 })), fc.string({ maxLength: 30 }), { maxKeys: 3 }))
    .map(([key, value, extra]) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(extra)) q.append(k, v);
      q.append(key, value);
      if (key !== 'limit') q.append('limit', 'not-a-number');
      return q.toString();
    });
}

// Each route gets a caller it accepts, so the fuzzed input, not a scope check, decides the answer
// (a refused token would also be a legitimate write: an aggregated TokenValidationFailed event).
type Auth = 'none' | 'user' | 'admin' | 'system' | 'basic';
interface Route {
  service: ServiceName;
  method: string;
  path: (segment: string) => string;
  auth: Auth;
  body?: string[];
  form?: boolean;
  query?: string[];
  /** Path has a parameter to fuzz. */
  param?: boolean;
}
const ROUTES: Route[] = [
  { service: 'token-api', method: 'POST', path: () => '/api/v1/users', auth: 'none', body: ['email', 'password'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/login', auth: 'none', body: ['email', 'password', 'scopes'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/login/mfa', auth: 'none', body: ['mfa_ticket', 'code'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/refresh', auth: 'none', body: ['refresh_token'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/logout', auth: 'user', body: ['unexpected'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/password', auth: 'user', body: ['currentPassword', 'newPassword'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/mfa/totp', auth: 'user', body: ['password'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/mfa/totp/confirm', auth: 'user', body: ['code'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/mfa/step-up', auth: 'user', body: ['code'] },
  { service: 'token-api', method: 'DELETE', path: () => '/api/v1/auth/mfa/totp', auth: 'user', body: ['password', 'code'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/auth/mfa/recovery-codes', auth: 'user', body: ['unexpected'] },
  { service: 'token-api', method: 'POST', path: () => '/api/v1/admin/keys/rotate', auth: 'system', body: ['alg'] },
  { service: 'token-api', method: 'POST', path: () => '/oauth2/introspect', auth: 'basic', body: ['token', 'token_type_hint'] },
  { service: 'token-api', method: 'POST', path: () => '/oauth2/introspect', auth: 'basic', body: ['token', 'token_type_hint'], form: true },
  { service: 'token-api', method: 'POST', path: () => '/oauth2/revoke', auth: 'basic', body: ['token', 'token_type_hint'] },
  { service: 'token-api', method: 'POST', path: () => '/oauth2/revoke', auth: 'basic', body: ['token', 'token_type_hint'], form: true },
  { service: 'token-api', method: 'DELETE', path: (s) => `/api/v1/auth/tokens/${s}`, auth: 'user', param: true, body: ['reason'] },
  { service: 'token-api', method: 'DELETE', path: (s) => `/api/v1/auth/tokens/all/${s}`, auth: 'admin', param: true, body: ['reason'] },
  { service: 'token-api', method: 'GET', path: (s) => `/api/v1/auth/tokens/${s}/details`, auth: 'user', param: true },
  { service: 'token-api', method: 'GET', path: (s) => `/api/v1/auth/tokens/device/${s}`, auth: 'admin', param: true, query: ['limit', 'cursor'] },
  { service: 'token-api', method: 'GET', path: () => '/api/v1/auth/tokens/active', auth: 'user', query: ['limit', 'cursor'] },
  { service: 'token-api', method: 'GET', path: () => '/api/v1/users', auth: 'admin', query: ['email'] },
  { service: 'token-api', method: 'GET', path: (s) => `/api/v1/users/${s}`, auth: 'admin', param: true },
  { service: 'audit', method: 'GET', path: (s) => `/api/v1/auth/tokens/audit/${s}`, auth: 'admin', param: true },
  { service: 'audit', method: 'GET', path: () => `/api/v1/auth/tokens/audit/${user.id}`, auth: 'user', query: ['limit', 'cursor', 'action', 'from', 'to'] },
  { service: 'audit', method: 'GET', path: () => '/api/v1/audit/threats/brute-force', auth: 'admin', query: ['threshold', 'windowMinutes', 'limit'] },
  { service: 'audit', method: 'GET', path: () => '/api/v1/audit/threats/unusual-usage', auth: 'admin', query: ['threshold', 'windowHours', 'limit'] },
  { service: 'audit', method: 'GET', path: () => '/api/v1/audit/summary/daily', auth: 'admin', query: ['days'] },
];

async function send(route: Route, segment: string, query: string | null, body: string | null): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'user-agent': UA };
  if (route.auth === 'user') headers.authorization = `Bearer ${user.access}`;
  if (route.auth === 'admin') headers.authorization = `Bearer ${admin.access}`;
  if (route.auth === 'system') headers.authorization = `Bearer ${system_.access}`;
  if (route.auth === 'basic') headers.authorization = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;
  let payload: string | undefined;
  if (body !== null) {
    if (route.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = { token: body };
      }
      const form = new URLSearchParams();
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
        // Known fields repeated: a form may carry a name twice.
        form.append('token_type_hint', 'access_token');
        form.append('token_type_hint', 'refresh_token');
      } else form.append(String(parsed), '');
      payload = form.toString();
    } else {
      headers['content-type'] = 'application/json';
      payload = body;
    }
  }
  const url = `${system.url[route.service]}${route.path(segment)}${query ? `?${query}` : ''}`;
  const res = await fetch(url, { method: route.method, headers, body: payload, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/** Every table of the system's schemas, hashed; auth_tokens.last_used_at (touched by any authenticated call) left out. */
async function digest(): Promise<Record<string, string>> {
  const suffix = system.namespace.slice(3);
  const schemas = [`t_sys_${suffix}_token_api`, `t_sys_${suffix}_audit`, `t_sys_${suffix}_sweeper`];
  const tables = await queryTestDatabase<{ table_schema: string; table_name: string }>(`select table_schema, table_name from information_schema.tables where table_schema = any($1) and table_type = 'BASE TABLE' order by 1, 2`, [schemas]);
  const out: Record<string, string> = {};
  for (const t of tables) {
    const [row] = await queryTestDatabase<{ d: string | null; n: number }>(
      `select md5(coalesce(string_agg(r, '|' order by r), '')) as d, count(*)::int as n from (select (to_jsonb(x) - 'last_used_at')::text as r from ${t.table_schema}.${t.table_name} x) s`,
    );
    out[`${t.table_schema.replace(`t_sys_${suffix}_`, '')}.${t.table_name}`] = `${row!.n}:${row!.d}`;
  }
  return out;
}

function assertNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(probe.admin).toBeUndefined();
  expect(probe.role).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

async function healthy(): Promise<void> {
  for (const [name, url] of Object.entries(system.url)) expect((await fetch(`${url}/health/live`)).status, name).toBe(200);
}

describe('fuzzing', () => {
  it(`every HTTP body, path and query parameter: 4xx, never 5xx or a hang, database unchanged (${RUNS} runs per route and input kind)`, async () => {
    // Let the startup writes (admin, keys, first logins and their events) settle first.
    await new Promise((r) => setTimeout(r, 1_500));
    const before = await digest();
    const failures: string[] = [];
    for (const route of ROUTES) {
      const kinds: Array<fc.Arbitrary<[string, string | null, string | null]>> = [];
      const goodSegment = route.path('x').includes('/device/') ? '127.0.0.1' : randomUUID();
      if (route.body) kinds.push(badBody(route.body).map((b) => [goodSegment, null, b]));
      if (route.param) kinds.push(badSegment.map((s) => [s, null, route.body ? '{}' : null]));
      if (route.query) kinds.push(badQuery(route.query).map((q) => [goodSegment, q, null]));
      for (const kind of kinds) {
        await fc.assert(
          fc.asyncProperty(kind, async ([segment, query, body]) => {
            const res = await send(route, segment, query, body);
            if (res.status < 400 || res.status > 499) {
              failures.push(`${route.method} ${route.path(segment).slice(0, 120)}${query ? `?${query.slice(0, 120)}` : ''} body=${(body ?? '').slice(0, 160)} → ${res.status} ${res.text.slice(0, 200)}`);
              return false;
            }
            return true;
          }),
          { numRuns: RUNS, endOnFailure: true },
        ).catch((error: Error) => failures.push(`fast-check: ${error.message.slice(0, 600)}`));
      }
    }
    // Paths no route serves, on every service, with every method: 404/405, never more.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<ServiceName>('token-api', 'audit', 'revocation', 'notifier', 'sweeper'), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), fc.array(badSegment, { minLength: 1, maxLength: 4 }), async (service, method, segments) => {
        const path = `/api/v1/${segments.join('/')}`.slice(0, 7_000);
        const res = await fetch(`${system.url[service]}${path}`, { method, headers: { 'user-agent': UA, authorization: `Bearer ${user.access}` }, signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.status < 400 || res.status > 499) failures.push(`${method} ${service}${path.slice(0, 150)} → ${res.status} ${text.slice(0, 200)}`);
        return res.status >= 400 && res.status <= 499;
      }),
      { numRuns: RUNS * 2, endOnFailure: true },
    ).catch((error: Error) => failures.push(`fast-check: ${error.message.slice(0, 600)}`));
    expect(failures).toEqual([]);
    assertNoPollution();
    await healthy();
    await new Promise((r) => setTimeout(r, 500));
    expect(await digest()).toEqual(before);
  }, 600_000);

  it(`every WebSocket client message: an ERROR answer, the socket kept, never a crash (${RUNS} sockets)`, async () => {
    const message = fc.oneof(
      weirdString.map((s) => s.slice(0, 8_000)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)).filter((s) => s.length <= 8_000),
      fc.record({ type: fc.constantFrom('AUTH', 'SUBSCRIBE', 'PING', 'PONG', 'ERROR', 'subscribe', '__proto__', ''), userId: anyValue, tokenId: anyValue, token: anyValue }, { requiredKeys: ['type'] })
        .filter((m) => !(m.type === 'PING' && Object.keys(m).length === 1))
        .map((m) => JSON.stringify(m))
        .filter((s) => s.length <= 8_000),
      // (SUBSCRIBE to another user is answered ERROR forbidden and closed 4003 by design: not fuzzed here.)
      fc.constantFrom(...POLLUTION, '{"type":"AUTH","token":"x"}', '{"type":"SUBSCRIBE","userId":"not-a-uuid"}'),
    );
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 5 }), async (messages) => {
        const ws = new WebSocket(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { headers: { authorization: `Bearer ${user.access}`, 'user-agent': UA } });
        const replies: Array<{ type: string; code?: string }> = [];
        let closed: number | null = null;
        ws.on('message', (d) => replies.push(JSON.parse(String(d))));
        ws.on('close', (code) => (closed = code));
        ws.on('error', () => {});
        await new Promise<void>((resolve, reject) => {
          ws.once('open', () => resolve());
          ws.once('error', reject);
        });
        for (const m of messages) ws.send(m);
        ws.send(JSON.stringify({ type: 'PING' }));
        await waitFor(() => replies.some((r) => r.type === 'PONG') || closed !== null, { timeoutMs: 5_000, what: 'PONG after the fuzzed messages' }).catch(() => {});
        ws.terminate();
        const errors = replies.filter((r) => r.type === 'ERROR').length;
        const ok = closed === null && replies.some((r) => r.type === 'PONG') && errors === messages.length && replies.every((r) => r.type === 'ERROR' || r.type === 'PONG');
        if (!ok) failures.push(`${JSON.stringify(messages).slice(0, 300)} → replies ${JSON.stringify(replies).slice(0, 300)} closed ${closed}`);
        return ok;
      }),
      { numRuns: RUNS, endOnFailure: true },
    ).catch((error: Error) => failures.push(`fast-check: ${error.message.slice(0, 600)}`));
    expect(failures).toEqual([]);
    // A message over the size bound closes the socket with 1009, not the process.
    const ws = new WebSocket(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { headers: { authorization: `Bearer ${user.access}`, 'user-agent': UA } });
    const code = await new Promise<number>((resolve) => {
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => {});
      ws.once('open', () => ws.send(JSON.stringify({ type: 'PING', pad: 'x'.repeat(70_000) })));
    });
    expect(code).toBe(1009);
    assertNoPollution();
    await healthy();
  }, 300_000);

  it(`every event schema: bad events on the bus are dead-lettered, never applied, never a crash (${RUNS * 2} events)`, async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const dlq = `${system.namespace}_TOKEN_EVENTS_DLQ`;
    const stream = `${system.namespace}_TOKEN_EVENTS`;
    const before = await digest();
    const dlqBefore = (await jsm.streams.info(dlq)).state.messages;
    const types = TokenEventType.options;
    // An event that cannot be valid: one envelope member always broken, the rest random.
    const badEvent = fc
      .tuple(
        fc.constantFrom(...types),
        fc.record({ id: fc.oneof(fc.uuid(), weirdString), schemaVersion: fc.oneof(fc.constant(1), anyValue), occurredAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), weirdString), actor: fc.oneof(fc.record({ kind: fc.constantFrom('user', 'admin', 'system', 'root'), id: weirdString }), wrongType), data: fc.jsonValue({ maxDepth: 3 }) }),
        fc.constantFrom('id', 'schemaVersion', 'occurredAt', 'type', 'userId', 'data'),
        wrongType,
      )
      .map(([type, fields, broken, value]) => ({ type, userId: randomUUID(), ...fields, [broken]: value === null ? 7 : value }));
    let published = 0;
    await fc.assert(
      fc.asyncProperty(badEvent, async (event) => {
        const subject = `${system.namespace}.tokens.${['issued', 'revoked', 'logout_all', 'password_changed', 'expired', 'reuse_detected'][published % 6]}.${randomUUID()}`;
        const h = natsHeaders();
        h.set('Nats-Msg-Id', `fuzz-${randomUUID()}`);
        await js.publish(subject, JSON.stringify(event), { headers: h });
        published += 1;
        return true;
      }),
      { numRuns: RUNS * 2 },
    );
    // Every consumer works through them (none stuck redelivering), audit dead-letters every one.
    await waitFor(async () => {
      for (const durable of ['audit', 'revocation', 'sweeper', 'token-api-expiry']) {
        const i = await jsm.consumers.info(stream, durable);
        if (i.num_pending > 0 || i.num_ack_pending > 0) return false;
      }
      return true;
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'consumers caught up after the bad events' });
    const dlqAfter = await jsm.streams.info(dlq, { subjects_filter: '>' });
    expect(dlqAfter.state.subjects?.[`${system.namespace}.dlq.audit`] ?? 0).toBeGreaterThanOrEqual(published);
    expect(dlqAfter.state.messages - dlqBefore).toBeGreaterThanOrEqual(published);
    assertNoPollution();
    await healthy();
    expect(await digest()).toEqual(before);
  }, 300_000);
});
