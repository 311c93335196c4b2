// Malformed codes, tickets and bodies on every MFA endpoint: a problem+json 400 (413 for a body
// over the 16 KiB limit, 415 for another media type) and not one row changed in any table.
import { deleteNatsNamespace } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, PHONE_UA, dropSchema, startApi, type Api } from './harness.js';
import { enrolledUser, loginAs } from './mfa-support.js';

let api: Api;
let stepped: string;
let ticket: string;

beforeAll(async () => {
  api = await startApi();
  const user = await enrolledUser(api, PHONE_UA);
  // A token with a recent second factor, so even the step-up-guarded route reaches its body check.
  stepped = (await api.call('POST', '/api/v1/auth/mfa/step-up', { token: user.access, body: { code: await user.app.code() } })).body.access_token;
  ticket = (await loginAs(api, user.email, { ua: LAPTOP_UA })).body.mfa_ticket;
  if (!stepped || !ticket) throw new Error('set-up failed');
});
afterAll(async () => {
  await api?.stop();
  if (api) {
    await dropSchema(api);
    await deleteNatsNamespace(api.config.NATS_NAMESPACE);
  }
});

const TABLES = ['users', 'auth_tokens', 'token_events', 'login_throttle', 'mfa_totp', 'mfa_recovery_codes', 'mfa_tickets', 'known_devices'];

/** One statement: the row count and a digest of every table. */
async function snapshot(): Promise<Record<string, string>> {
  // A valid bearer token is used even by a refused request: its last_used_at (written by a
  // periodic flush) is not a change the request made.
  const source = (table: string) => (table === 'auth_tokens' ? '(select id, status, revoked_at, token_hash, family_id from $schema.auth_tokens)' : `$schema.${table}`);
  const parts = TABLES.map((table) => `select '${table}' as name, count(*)::int || ':' || coalesce(md5(string_agg(t::text, '|' order by t::text)), '') as digest from ${source(table)} t`);
  const rows = await api.sql<{ name: string; digest: string }>(parts.join(' union all '));
  return Object.fromEntries(rows.map((r) => [r.name, r.digest]));
}

interface Case {
  name: string;
  raw?: string;
  body?: unknown;
  contentType?: string;
  status?: number;
  code?: string;
}

const TICKET_SHAPE = `mfa_${'A'.repeat(43)}`;
const COMMON: Case[] = [
  { name: 'malformed JSON', raw: '{"code": "123456", ' },
  { name: 'a body over 16 KiB', raw: JSON.stringify({ code: '1'.repeat(17 * 1024) }), status: 413, code: 'payload_too_large' },
  { name: 'an array', body: [] },
  { name: 'a bare string', raw: '"123456"' },
  { name: 'null', raw: 'null' },
  { name: 'another media type', raw: 'code=123456', contentType: 'text/plain', status: 415, code: 'unsupported_media_type' },
];
const BAD_CODES = ['', '12345', '1234567', 'abcdef', '12-34-56', '１２３４５６', 'ABCD-EFGH-JKMN-PQR', 'UUUU-UUUU-UUUU-UUUU', '1'.repeat(33), 'x'.repeat(8 * 1024)];

const ENDPOINTS: Array<{ method: string; path: string; bearer: boolean; typed: () => Case[] }> = [
  {
    method: 'POST',
    path: '/api/v1/auth/login/mfa',
    bearer: false,
    typed: () => [
      ...BAD_CODES.map((code) => ({ name: `code ${JSON.stringify(code.slice(0, 20))}`, body: { mfa_ticket: ticket, code } })),
      { name: 'a numeric code', body: { mfa_ticket: ticket, code: 123456 } },
      { name: 'no code', body: { mfa_ticket: ticket } },
      { name: 'no ticket', body: { code: '123456' } },
      { name: 'a short ticket', body: { mfa_ticket: 'mfa_short', code: '123456' } },
      { name: 'a ticket without its prefix', body: { mfa_ticket: ticket.slice(4), code: '123456' } },
      { name: 'a JWT as ticket', body: { mfa_ticket: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', code: '123456' } },
      { name: 'a ticket with padding', body: { mfa_ticket: `${TICKET_SHAPE}=`, code: '123456' } },
      { name: 'a huge ticket', body: { mfa_ticket: `mfa_${'A'.repeat(10_000)}`, code: '123456' } },
      { name: 'an extra field', body: { mfa_ticket: ticket, code: '123456', remember: true } },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/mfa/totp',
    bearer: true,
    typed: () => [
      { name: 'no password', body: {} },
      { name: 'a numeric password', body: { password: 12345678 } },
      { name: 'a password over 128', body: { password: 'p'.repeat(129) } },
      { name: 'an extra field', body: { password: 'whatever', secret: 'JBSWY3DPEHPK3PXP' } },
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/mfa/totp/confirm',
    bearer: true,
    typed: () => [...BAD_CODES.filter((c) => c !== 'ABCD-EFGH-JKMN-PQR').map((code) => ({ name: `code ${JSON.stringify(code.slice(0, 20))}`, body: { code } })), { name: 'a recovery code', body: { code: '7K3M-Q9XD-2WFA-H8RT' } }],
  },
  {
    method: 'DELETE',
    path: '/api/v1/auth/mfa/totp',
    bearer: true,
    typed: () => [
      { name: 'no code', body: { password: 'whatever' } },
      { name: 'no password', body: { code: '123456' } },
      ...BAD_CODES.map((code) => ({ name: `code ${JSON.stringify(code.slice(0, 20))}`, body: { password: 'whatever', code } })),
    ],
  },
  {
    method: 'POST',
    path: '/api/v1/auth/mfa/step-up',
    bearer: true,
    typed: () => [{ name: 'no code', body: {} }, ...BAD_CODES.map((code) => ({ name: `code ${JSON.stringify(code.slice(0, 20))}`, body: { code } }))],
  },
  { method: 'POST', path: '/api/v1/auth/mfa/recovery-codes', bearer: true, typed: () => [{ name: 'any field', body: { count: 20 } }] },
];

describe('MFA endpoints refuse bad input with problem+json and change nothing', () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.method} ${endpoint.path}`, async () => {
      for (const c of [...COMMON, ...endpoint.typed()]) {
        const before = await snapshot();
        const res = await api.call(endpoint.method, endpoint.path, {
          ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }),
          ...(endpoint.bearer ? { token: stepped } : {}),
          ua: endpoint.bearer ? PHONE_UA : LAPTOP_UA,
          headers: { 'content-type': c.contentType ?? 'application/json' },
        });
        const expected = { status: c.status ?? 400, code: c.code ?? 'validation_failed' };
        expect({ case: c.name, status: res.status, code: res.body?.code }).toEqual({ case: c.name, ...expected });
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body).toMatchObject({ type: 'about:blank', status: expected.status, title: expect.any(String) });
        expect(res.text).not.toMatch(/at .*\.ts:\d+|node_modules/);
        expect(await snapshot(), c.name).toEqual(before);
      }
    });
  }

  it('names the failing fields', async () => {
    const res = await api.call('POST', '/api/v1/auth/login/mfa', { body: { mfa_ticket: 'nope', code: 'nope' }, ua: LAPTOP_UA });
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['code', 'mfa_ticket']);
  });

  it('the good ticket and token still work afterwards', async () => {
    expect((await api.call('GET', '/api/v1/auth/mfa', { token: stepped })).body.totp).toBe('enabled');
    const [row] = await api.sql('select count(*)::int as n from $schema.mfa_tickets');
    expect(row!.n).toBe(1);
  });
});
