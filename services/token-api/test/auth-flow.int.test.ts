import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { uuidV7Timestamp } from '@tessera/contracts';
import { uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/secrets/tokens.js';
import { runCli } from './cli.js';
import { PASSWORD, PHONE_UA, dropSchema, registerAndLogin, startApi, type Api } from './harness.js';

let api: Api;
const ADMIN = { email: `root-${uniqueSuffix()}@example.com`, password: 'admin password 1' };

beforeAll(async () => {
  api = await startApi({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
});
afterAll(async () => {
  await api?.stop();
  if (api) await dropSchema(api);
});

describe('register → login → verify with jose alone', () => {
  it('issues an RFC 9068 access token that verifies against /.well-known/jwks.json, with every claim', async () => {
    const before = Date.now();
    const session = await registerAndLogin(api, { email: `  Ada.${uniqueSuffix()}@Example.COM ` });
    expect(session.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'READ_PROFILE READ_TOKENS READ_TRANSACTIONS WRITE_PROFILE' });

    const jwks = createRemoteJWKSet(new URL(`${api.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(session.access, jwks, { issuer: api.config.JWT_ISSUER, audience: api.config.JWT_AUDIENCE, typ: 'at+jwt' });
    expect(protectedHeader.alg).toBe('ES256');
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(typeof protectedHeader.kid).toBe('string');
    expect(payload.sub).toBe(session.userId);
    expect(payload.scope).toBe(session.body.scope);
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.fpr).toBe(sha256Hex(PHONE_UA));
    expect(payload.ctry).toBeUndefined();
    // jti is a UUIDv7 holding the issue instant in ms.
    const issuedMs = uuidV7Timestamp(payload.jti!);
    expect(issuedMs).toBeGreaterThanOrEqual(before);
    expect(Math.floor(issuedMs / 1000)).toBe(payload.iat);

    // sid names the refresh family; the database holds hashes only.
    const rows = await api.sql('select id, token_type, family_id, token_hash, fingerprint, email from $schema.auth_tokens where user_id = $1 order by token_type', [session.userId]);
    expect(rows.map((r) => r.token_type)).toEqual(['ACCESS', 'REFRESH']);
    expect(rows[0]).toMatchObject({ id: payload.jti, family_id: payload.sid, token_hash: sha256Hex(session.access), fingerprint: payload.fpr });
    expect(rows[1]).toMatchObject({ family_id: payload.sid, token_hash: sha256Hex(session.refresh) });
    expect(rows[0]!.email).toBe(session.email.trim().toLowerCase());
    expect(JSON.stringify(rows)).not.toContain(session.refresh);
  });

  it('normalises emails, keeps them unique, and never returns the hash', async () => {
    const email = `bob-${uniqueSuffix()}@example.com`;
    const first = await api.call('POST', '/api/v1/users', { body: { email: email.toUpperCase(), password: PASSWORD } });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.any(String), email, role: 'user', createdAt: expect.any(String) });
    const again = await api.call('POST', '/api/v1/users', { body: { email: ` ${email} `, password: PASSWORD } });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
    const [row] = await api.sql('select password_hash from $schema.users where email = $1', [email]);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=4096,t=1,p=1\$/);
  });

  it('grants what the role allows: a user asking for admin scopes gets only the others; unknown names are 400', async () => {
    const { email } = await registerAndLogin(api);
    const narrowed = await api.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, scopes: ['READ_TOKENS', 'ADMIN_TOKENS'] } });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('READ_TOKENS');
    const onlyAdmin = await api.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, scopes: ['ADMIN_SYSTEM'] } });
    expect(onlyAdmin.status).toBe(403);
    expect(onlyAdmin.body.code).toBe('insufficient_scope');
    const unknown = await api.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, scopes: ['READ_EVERYTHING'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('scopes.0');
  });

  it('creates the first admin from ADMIN_EMAIL once, and an admin may ask for ADMIN_SYSTEM', async () => {
    const [row] = await api.sql('select role from $schema.users where email = $1', [ADMIN.email]);
    expect(row!.role).toBe('admin');
    const login = await api.call('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: ADMIN.password, scopes: ['ADMIN_SYSTEM', 'READ_PROFILE'] } });
    expect(login.status).toBe(200);
    expect(login.body.scope).toBe('READ_PROFILE ADMIN_SYSTEM');
    const defaults = await api.call('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    expect(defaults.body.scope).toBe('READ_PROFILE READ_TOKENS READ_TRANSACTIONS WRITE_PROFILE ADMIN_TOKENS ADMIN_USERS');

    // A second start with another ADMIN_PASSWORD leaves the account alone.
    const second = await startApi({ ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: 'another password' }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
    try {
      expect((await second.call('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: 'another password' } })).status).toBe(401);
      expect((await second.call('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } })).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('with REGISTRATION_MODE=admin, only a caller holding ADMIN_USERS may register users', async () => {
    const closed = await startApi({ REGISTRATION_MODE: 'admin' }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
    try {
      const body = { email: `carol-${uniqueSuffix()}@example.com`, password: PASSWORD };
      const anonymous = await closed.call('POST', '/api/v1/users', { body });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toContain('invalid_token');

      const user = await registerAndLogin(api);
      const asUser = await closed.call('POST', '/api/v1/users', { body, token: user.access });
      expect(asUser.status).toBe(403);
      expect(asUser.body.code).toBe('insufficient_scope');

      const admin = await closed.call('POST', '/api/v1/auth/login', { body: { email: ADMIN.email, password: ADMIN.password } });
      const asAdmin = await closed.call('POST', '/api/v1/users', { body, token: admin.body.access_token });
      expect(asAdmin.status).toBe(201);
      expect(await closed.sql('select 1 from $schema.users where email = $1', [body.email])).toHaveLength(1);
    } finally {
      await closed.stop();
    }
  });

  it('carries the allowed countries set with the CLI in the token (ctry) and in TokenIssued', async () => {
    const { email, userId } = await registerAndLogin(api);
    const cli = await runCli(api, ['set-countries', '--email', email, '--countries', 'fr,DE']);
    expect(cli.code).toBe(0);
    const login = await api.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    const { payload } = await jwtVerify(login.body.access_token, createRemoteJWKSet(new URL(`${api.url}/.well-known/jwks.json`)), { issuer: api.config.JWT_ISSUER, audience: api.config.JWT_AUDIENCE });
    expect(payload.ctry).toEqual(['FR', 'DE']);
    const [event] = await api.sql(`select payload from $schema.token_events where user_id = $1 and type = 'TokenIssued' order by sequence desc limit 1`, [userId]);
    expect(event!.payload.data.allowedCountries).toEqual(['FR', 'DE']);
    expect((await runCli(api, ['set-countries', '--email', email, '--countries', 'FRA'])).code).toBe(1);
  });

  it('binds bearer calls to the device the token was issued to', async () => {
    const session = await registerAndLogin(api);
    const other = await api.call('POST', '/api/v1/auth/logout', { token: session.access, ua: 'SomethingElse/1.0' });
    expect(other.status).toBe(401);
    expect(decodeProtectedHeader(session.access).typ).toBe('at+jwt');
    expect((await api.call('POST', '/api/v1/auth/logout', { token: session.access })).status).toBe(204);
  });
});
