import { uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, registerAndLogin, startApi, type Api } from './harness.js';

let api: Api;
let userToken: string;
let adminToken: string;
const ADMIN = { email: `bad-admin-${uniqueSuffix()}@example.com`, password: 'admin password 1' };

beforeAll(async () => {
  api = await startApi({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  userToken = (await registerAndLogin(api)).access;
  adminToken = (await api.call('POST', '/api/v1/auth/login', { body: { ...ADMIN, scopes: ['ADMIN_SYSTEM'] } })).body.access_token;
});
afterAll(async () => {
  await api?.stop();
  if (api) await dropSchema(api);
});

/**
 * A digest of every token-api table, to prove a refused request changed nothing. `last_used_at`
 * is left out: the coalesced last-use flush writes it every few seconds for earlier requests.
 */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['users', 'auth_tokens', 'token_events', 'signing_keys', 'login_throttle']) {
    const [row] = await api.sql(`select count(*)::int as n, coalesce(md5(string_agg((to_jsonb(t) - 'last_used_at')::text, '|' order by (to_jsonb(t) - 'last_used_at')::text)), '') as digest from $schema.${table} t`);
    out[table] = `${row!.n}:${row!.digest}`;
  }
  return out;
}

const OVERSIZED = JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(17 * 1024) });

interface Case {
  name: string;
  raw?: string;
  body?: unknown;
  contentType?: string;
  status: number;
  code: string;
}

const COMMON: Case[] = [
  { name: 'malformed JSON', raw: '{"email": "a@example.com", ', status: 400, code: 'validation_failed' },
  { name: 'oversized body', raw: OVERSIZED, status: 413, code: 'payload_too_large' },
  { name: 'an array', body: [], status: 400, code: 'validation_failed' },
  { name: 'a bare string', raw: '"hello"', status: 400, code: 'validation_failed' },
  { name: 'null', raw: 'null', status: 400, code: 'validation_failed' },
  { name: 'another media type', raw: 'email=a', contentType: 'text/plain', status: 415, code: 'unsupported_media_type' },
];

const ENDPOINTS: Array<{ path: string; token?: () => string; typed: Case[] }> = [
  {
    path: '/api/v1/users',
    typed: [
      { name: 'wrong types', body: { email: 42, password: true }, status: 400, code: 'validation_failed' },
      { name: 'a bad email', body: { email: 'not-an-email', password: 'long enough password' }, status: 400, code: 'validation_failed' },
      { name: 'a short password', body: { email: `new-${uniqueSuffix()}@example.com`, password: 'short' }, status: 400, code: 'validation_failed' },
      { name: 'an extra field', body: { email: `new-${uniqueSuffix()}@example.com`, password: 'long enough password', role: 'admin' }, status: 400, code: 'validation_failed' },
    ],
  },
  {
    path: '/api/v1/auth/login',
    typed: [
      { name: 'wrong types', body: { email: ['a'], password: 1 }, status: 400, code: 'validation_failed' },
      { name: 'scopes as a string', body: { email: ADMIN.email, password: ADMIN.password, scopes: 'ADMIN_SYSTEM' }, status: 400, code: 'validation_failed' },
      { name: 'duplicate scopes', body: { email: ADMIN.email, password: ADMIN.password, scopes: ['READ_PROFILE', 'READ_PROFILE'] }, status: 400, code: 'validation_failed' },
      { name: 'empty scopes', body: { email: ADMIN.email, password: ADMIN.password, scopes: [] }, status: 400, code: 'validation_failed' },
    ],
  },
  {
    path: '/api/v1/auth/refresh',
    typed: [
      { name: 'a number', body: { refresh_token: 123 }, status: 400, code: 'validation_failed' },
      { name: 'missing token', body: {}, status: 400, code: 'validation_failed' },
      { name: 'an empty token', body: { refresh_token: '' }, status: 400, code: 'validation_failed' },
    ],
  },
  { path: '/api/v1/auth/logout', token: () => userToken, typed: [{ name: 'any field', body: { everywhere: true }, status: 400, code: 'validation_failed' }] },
  {
    path: '/api/v1/auth/password',
    token: () => userToken,
    typed: [
      { name: 'wrong types', body: { currentPassword: 1, newPassword: 2 }, status: 400, code: 'validation_failed' },
      { name: 'the same password twice', body: { currentPassword: 'same password 1', newPassword: 'same password 1' }, status: 400, code: 'validation_failed' },
    ],
  },
  { path: '/api/v1/admin/keys/rotate', token: () => adminToken, typed: [{ name: 'an unknown alg', body: { alg: 'none' }, status: 400, code: 'validation_failed' }] },
];

describe('every endpoint refuses bad bodies with problem+json and changes nothing', () => {
  for (const endpoint of ENDPOINTS) {
    it(`POST ${endpoint.path}`, async () => {
      for (const c of [...COMMON, ...endpoint.typed]) {
        const before = await snapshot();
        const res = await api.call('POST', endpoint.path, {
          ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }),
          ...(endpoint.token ? { token: endpoint.token() } : {}),
          headers: { 'content-type': c.contentType ?? 'application/json' },
        });
        expect({ case: c.name, status: res.status, code: res.body?.code }).toEqual({ case: c.name, status: c.status, code: c.code });
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body).toMatchObject({ type: 'about:blank', status: c.status, title: expect.any(String) });
        expect(res.text).not.toMatch(/at .*\.ts:\d+|node_modules/);
        expect(await snapshot()).toEqual(before);
      }
    });
  }

  it('names the failing fields', async () => {
    const res = await api.call('POST', '/api/v1/users', { body: { email: 42, password: true } });
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['email', 'password']);
  });

  it('still serves the good requests afterwards (the session used above is alive)', async () => {
    expect((await api.call('POST', '/api/v1/auth/logout', { token: userToken })).status).toBe(204);
  });
});
