import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { queryTestDatabase, startPostgresServer, type OwnPostgresServer } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { INTROSPECTION_CLIENT, UA } from './support/surfaces.js';

/*
 * SQL injection: every parameter of every database-backed route (token-api and audit) receives
 * injection strings, each carrying a unique marker. The services run on an own PostgreSQL cluster
 * with `log_statement = all`, so the server itself records every statement it parsed. The proof
 * that input reaches the database only as bound values: no marker appears in any statement text
 * (`statement:`, `execute …:`, `STATEMENT:`) or error message the server logged, while markers do
 * appear in the `DETAIL: parameters:` lines — the values travelled, as parameters. Table digests
 * would only show that nothing changed; an injection that reads (UNION SELECT) changes nothing, so
 * the server's own log is the stronger witness. No answer may be a 5xx either.
 */
let pg: OwnPostgresServer;
let system: TestSystem;
let client: ApiClient;
let logFile: string;
let user: { id: string; access: string; refresh: string; email: string };
let admin: { access: string };
const PASSWORD = 'correct horse battery staple';

const PAYLOADS = [
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1) OR (1=1',
  "1; SELECT pg_sleep(3); --",
  "' UNION SELECT password_hash, email FROM users --",
  '$$ OR 1=1 $$',
  "\\' OR 1=1 --",
  "admin'/*",
  "'||(select version())||'",
];
const MARK = (i: number) => `zqx${i}qz`;
/** Each payload with its marker, so every hit in the log names the payload. */
const payloads = PAYLOADS.map((p, i) => `${p} ${MARK(i)}`);

beforeAll(async () => {
  pg = await startPostgresServer();
  await queryTestDatabase("alter system set log_statement = 'all'", [], pg.url);
  await queryTestDatabase('select pg_reload_conf()', [], pg.url);
  const [{ data_directory }] = (await queryTestDatabase<{ data_directory: string }>('show data_directory', [], pg.url)) as [{ data_directory: string }];
  logFile = join(dirname(data_directory), 'log');
  system = await startSystem({
    with: ['revocation', 'audit'],
    env: { DATABASE_URL: pg.url, ADMIN_EMAIL: 'root-admin@example.com', ADMIN_PASSWORD: PASSWORD, INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`, LOGIN_MAX_FAILURES: '1000', LOGIN_IP_MAX_FAILURES: '100000' },
  });
  client = new ApiClient(system.url['token-api'], UA);
  const email = `sqli-${Date.now()}@example.com`;
  const { id } = await client.register(email, PASSWORD);
  const pair = await client.login(email, PASSWORD);
  user = { id, email, access: pair.access_token, refresh: pair.refresh_token };
  admin = { access: (await client.login('root-admin@example.com', PASSWORD)).access_token };
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await pg?.dispose();
});

interface LogEntry {
  text: string;
}

/** The server log as entries (a line with the `%m [%p] ` prefix plus its tab-indented continuation lines). */
function logEntries(): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (/^\d{4}-\d\d-\d\d /.test(line) || entries.length === 0) entries.push({ text: line });
    else entries[entries.length - 1]!.text += `\n${line}`;
  }
  return entries;
}

describe('SQL injection', () => {
  it('every parameter of every database route reaches PostgreSQL only as a bound value', async () => {
    const answers: Array<{ what: string; status: number }> = [];
    const send = async (what: string, service: 'token-api' | 'audit', method: string, path: string, options: { body?: unknown; form?: Record<string, string>; token?: string } = {}) => {
      const headers: Record<string, string> = { 'user-agent': UA };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers.authorization = `Basic ${Buffer.from(`${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`).toString('base64')}`;
        body = new URLSearchParams(options.form).toString();
      } else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      const res = await fetch(`${system.url[service]}${path}`, { method, headers, body });
      await res.text();
      answers.push({ what, status: res.status });
    };

    for (const [i, p] of payloads.entries()) {
      const e = encodeURIComponent(p);
      const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
      // An email that passes validation with a quote in it, and one that does not.
      const quotedEmail = `o'neil.${MARK(i)}@example.com`;
      await send('register (quoted email)', 'token-api', 'POST', '/api/v1/users', { body: { email: quotedEmail, password: `${p} long enough` } });
      await send('register (payload email)', 'token-api', 'POST', '/api/v1/users', { body: { email: p, password: p } });
      await send('login (quoted email, payload password)', 'token-api', 'POST', '/api/v1/auth/login', { body: { email: quotedEmail, password: p } });
      await send('login (payload email)', 'token-api', 'POST', '/api/v1/auth/login', { body: { email: p, password: p } });
      await send('login (payload scope)', 'token-api', 'POST', '/api/v1/auth/login', { body: { email: user.email, password: PASSWORD, scopes: [p] } });
      await send('refresh', 'token-api', 'POST', '/api/v1/auth/refresh', { body: { refresh_token: p } });
      await send('introspect', 'token-api', 'POST', '/oauth2/introspect', { form: { token: p, token_type_hint: p } });
      await send('oauth revoke', 'token-api', 'POST', '/oauth2/revoke', { form: { token: p } });
      await send('active tokens query', 'token-api', 'GET', `/api/v1/auth/tokens/active?${q({ limit: p, cursor: p })}`, { token: user.access });
      await send('active tokens cursor', 'token-api', 'GET', `/api/v1/auth/tokens/active?${q({ cursor: Buffer.from(p).toString('base64url') })}`, { token: user.access });
      await send('stats query', 'token-api', 'GET', `/api/v1/auth/tokens/stats?${q({ userId: p })}`, { token: user.access });
      await send('token details', 'token-api', 'GET', `/api/v1/auth/tokens/${e}/details`, { token: user.access });
      await send('revoke token', 'token-api', 'DELETE', `/api/v1/auth/tokens/${e}`, { token: user.access, body: { reason: p } });
      await send('logout all', 'token-api', 'DELETE', `/api/v1/auth/tokens/all/${e}`, { token: admin.access, body: { reason: p } });
      await send('device tokens', 'token-api', 'GET', `/api/v1/auth/tokens/device/${e}`, { token: admin.access });
      await send('user lookup by email', 'token-api', 'GET', `/api/v1/users?${q({ email: p })}`, { token: admin.access });
      await send('user lookup by quoted email', 'token-api', 'GET', `/api/v1/users?${q({ email: quotedEmail })}`, { token: admin.access });
      await send('user by id', 'token-api', 'GET', `/api/v1/users/${e}`, { token: admin.access });
      await send('password change', 'token-api', 'POST', '/api/v1/auth/password', { token: user.access, body: { currentPassword: p, newPassword: `${p} new one` } });
      // A stored free-text value: the revocation reason of a real token (written, as a parameter).
      const spare = await client.login(user.email, PASSWORD);
      await send('revoke token with a reason', 'token-api', 'DELETE', `/api/v1/auth/tokens/${String(decodeJwt(spare.access_token).jti)}?${q({ reason: p })}`, { token: spare.access_token });
      await send('audit trail user', 'audit', 'GET', `/api/v1/auth/tokens/audit/${e}`, { token: user.access });
      await send('audit trail query', 'audit', 'GET', `/api/v1/auth/tokens/audit/${user.id}?${q({ cursor: p, action: p, from: p, to: p, limit: p })}`, { token: user.access });
      await send('audit trail cursor', 'audit', 'GET', `/api/v1/auth/tokens/audit/${user.id}?${q({ cursor: Buffer.from(p).toString('base64url') })}`, { token: user.access });
      await send('audit trail admin', 'audit', 'GET', `/api/v1/auth/tokens/audit/${user.id}?${q({ action: p })}`, { token: admin.access });
      await send('brute force', 'audit', 'GET', `/api/v1/audit/threats/brute-force?${q({ threshold: p, windowMinutes: p, limit: p })}`, { token: admin.access });
      await send('unusual usage', 'audit', 'GET', `/api/v1/audit/threats/unusual-usage?${q({ threshold: p, windowHours: p })}`, { token: admin.access });
      await send('daily summary', 'audit', 'GET', `/api/v1/audit/summary/daily?${q({ days: p })}`, { token: admin.access });
    }

    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    // The quoted emails were accepted and stored as values: the login with them worked.
    expect((await client.call('POST', '/api/v1/auth/login', { body: { email: `o'neil.${MARK(0)}@example.com`, password: `${payloads[0]} long enough` } })).status).toBe(200);
    // The tables are all still there (the DROP TABLE payloads did nothing).
    const tables = await queryTestDatabase<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_schema in ($1, $2)`, [`t_sys_${system.namespace.slice(3)}_token_api`, `t_sys_${system.namespace.slice(3)}_audit`], pg.url);
    expect(tables[0]!.n).toBeGreaterThanOrEqual(6);

    // Give the server a moment to flush its log, then read it.
    await new Promise((r) => setTimeout(r, 500));
    const entries = logEntries();
    const statementText = entries.filter((e) => /\b(LOG|ERROR|FATAL|WARNING):  |\bSTATEMENT:  /.test(e.text) && !/\bDETAIL:  parameters:/.test(e.text));
    const leaks = statementText.filter((e) => /zqx\d+qz/.test(e.text)).map((e) => e.text.slice(0, 300));
    const asParameters = entries.filter((e) => /DETAIL:  parameters:.*zqx\d+qz/s.test(e.text));
    const markersSeenAsParameters = new Set(asParameters.flatMap((e) => e.text.match(/zqx\d+qz/g) ?? []));
    expect(entries.some((e) => /LOG:  (statement|execute)/.test(e.text))).toBe(true);
    expect(leaks).toEqual([]);
    // Every payload reached the server, as a parameter.
    expect([...markersSeenAsParameters].sort()).toEqual(PAYLOADS.map((_, i) => MARK(i)).sort());
  });
});
