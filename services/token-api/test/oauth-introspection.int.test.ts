// POST /oauth2/introspect (RFC 7662), through the raw fast path and through Express, and the
// RFC 8414 metadata — against the real service, PostgreSQL, NATS and the revocation service.
import { IntrospectActiveResponse, OAuthErrorResponse, SCOPES } from '@tessera/contracts';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, registerAndLogin, type Api } from './harness.js';
import { CLIENT, basic, introspect, login, startTokenSystem, type TokenSystem } from './tokens-harness.js';

let sys: TokenSystem;
let viaExpress: Api;
beforeAll(async () => {
  sys = await startTokenSystem();
  viaExpress = await sys.replica({ INTROSPECTION_FAST_PATH: 'false' });
});
afterAll(async () => {
  await sys?.stop();
});

const raw = (api: Api, init: { body?: string; headers?: Record<string, string> }) =>
  fetch(`${api.url}/oauth2/introspect`, { method: 'POST', headers: { authorization: basic(CLIENT.id, CLIENT.secret), ...init.headers }, body: init.body }).then(async (res) => ({
    status: res.status,
    headers: res.headers,
    body: (await res.text().then((t) => (t ? JSON.parse(t) : null))) as any,
  }));

describe.each([
  ['fast path', () => sys.api],
  ['Express route', () => viaExpress],
])('POST /oauth2/introspect (%s)', (_name, apiOf) => {
  it('describes an active access token field by field (RFC 7662 §2.2)', async () => {
    const api = apiOf();
    const a = await registerAndLogin(sys.api);
    const claims = decodeJwt(a.access);
    for (const json of [false, true]) {
      const res = await introspect(api, a.access, { json });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(IntrospectActiveResponse.parse(res.body)).toEqual(res.body);
      expect(res.body).toEqual({
        active: true,
        scope: 'READ_PROFILE READ_TOKENS READ_TRANSACTIONS WRITE_PROFILE',
        username: a.email,
        token_type: 'Bearer',
        exp: claims.exp,
        iat: claims.iat,
        nbf: claims.iat,
        sub: a.userId,
        aud: sys.api.config.JWT_AUDIENCE,
        iss: sys.api.config.JWT_ISSUER,
        jti: claims.jti,
      });
    }
  });

  it('describes an active refresh token; the hint orders the search but is not trusted', async () => {
    const api = apiOf();
    const a = await registerAndLogin(sys.api);
    const [row] = await sys.api.sql(`select id, created_at, expires_at from $schema.auth_tokens where family_id = $1 and token_type = 'REFRESH'`, [decodeJwt(a.access).sid]);
    const iat = Math.floor((row!.created_at as Date).getTime() / 1000);
    const expected = { active: true, scope: 'READ_PROFILE READ_TOKENS READ_TRANSACTIONS WRITE_PROFILE', username: a.email, token_type: 'refresh_token', exp: Math.floor((row!.expires_at as Date).getTime() / 1000), iat, nbf: iat, sub: a.userId, aud: 'tessera', iss: sys.api.config.JWT_ISSUER, jti: row!.id };
    expect((await introspect(api, a.refresh, { hint: 'refresh_token' })).body).toEqual(expected);
    expect((await introspect(api, a.refresh, { hint: 'access_token' })).body).toEqual(expected);
    expect((await introspect(api, a.access, { hint: 'refresh_token' })).body.active).toBe(true);
  });

  it('answers exactly {"active":false} for unknown, forged, revoked, rotated and used-up tokens', async () => {
    const api = apiOf();
    const a = await registerAndLogin(sys.api);
    const rotated = await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.refresh } });
    const parts = rotated.body.access_token.split('.');
    const forged = `${parts[0]}.${Buffer.from(JSON.stringify({ ...decodeJwt(rotated.body.access_token), scope: 'ADMIN_SYSTEM' })).toString('base64url')}.${parts[2]}`;
    const loggedOut = await login(sys.api, a.email, { ua: LAPTOP_UA });
    expect((await sys.api.call('POST', '/api/v1/auth/logout', { token: loggedOut.access, ua: LAPTOP_UA })).status).toBe(204);
    for (const token of ['x', 'a'.repeat(43), 'not.a.jwt', forged, a.refresh, loggedOut.access, loggedOut.refresh]) {
      const res = await introspect(api, token);
      expect(res.status).toBe(200);
      expect(res.text).toBe('{"active":false}');
    }
  });

  it('authenticates the caller: the service credential, or an ADMIN_TOKENS bearer token; else 401 invalid_client', async () => {
    const api = apiOf();
    const a = await registerAndLogin(sys.api);
    expect((await introspect(api, a.access, { authorization: `Bearer ${sys.admin.access}` })).body.active).toBe(true);
    for (const authorization of [basic(CLIENT.id, 'the-wrong-secret-for-this-client'), basic('someone-else', CLIENT.secret), 'Basic !!!', `Bearer ${a.access}`, 'Bearer nope', '']) {
      const res = await introspect(api, a.access, { authorization });
      expect(res.status).toBe(401);
      expect(OAuthErrorResponse.parse(res.body).error).toBe('invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(authorization.startsWith('Bearer') ? /^Bearer error="(invalid_token|insufficient_scope)"/ : /^Basic realm="tessera"/);
    }
  });

  it('refuses bad requests in OAuth’s format: missing token 400, repeated parameter 400, other media 415, too large 413, bad JSON 400', async () => {
    const api = apiOf();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const cases: Array<[{ body?: string; headers?: Record<string, string> }, number]> = [
      [{ body: '', headers: form }, 400],
      [{ body: 'token_type_hint=access_token', headers: form }, 400],
      [{ body: 'token=a&token=b', headers: form }, 400],
      [{ body: 'token=a&token_type_hint=id_token', headers: form }, 400],
      [{ body: '<token>a</token>', headers: { 'content-type': 'application/xml' } }, 415],
      [{ body: `token=${'a'.repeat(20_000)}`, headers: form }, 413],
      [{ body: '{"token":', headers: { 'content-type': 'application/json' } }, 400],
      [{ body: '["token"]', headers: { 'content-type': 'application/json' } }, 400],
    ];
    for (const [init, status] of cases) {
      const res = await raw(api, init);
      expect(res.status, init.body?.slice(0, 40)).toBe(status);
      expect(OAuthErrorResponse.parse(res.body).error).toBe('invalid_request');
    }
    // Unknown parameters are ignored (RFC 6749 §3.2).
    expect((await raw(api, { body: 'token=zzz&client_id=x&extra=1', headers: form })).body).toEqual({ active: false });
  });
});

describe('GET /.well-known/oauth-authorization-server', () => {
  it('lists the issuer, endpoints, client authentication, scopes and signing algorithms (RFC 8414)', async () => {
    const res = await sys.api.call('GET', '/.well-known/oauth-authorization-server');
    expect(res.status).toBe(200);
    const issuer = sys.api.config.JWT_ISSUER;
    expect(res.body).toEqual({
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      scopes_supported: [...SCOPES],
      response_types_supported: [],
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
      access_token_signing_alg_values_supported: ['ES256'],
      service_documentation: `${issuer}/api/v1`,
    });
  });
});
