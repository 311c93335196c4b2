// POST /oauth2/revoke (RFC 7009) against the real service, PostgreSQL, NATS and the revocation
// service: 200 whatever the token, a refresh token ends its session, callers authenticated.
import { OAuthErrorResponse } from '@tessera/contracts';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE_UA, natsConnection, readStream, registerAndLogin } from './harness.js';
import { CLIENT, basic, introspect, startTokenSystem, type TokenSystem } from './tokens-harness.js';

let sys: TokenSystem;
beforeAll(async () => {
  sys = await startTokenSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const revoke = async (params: Record<string, string>, authorization = basic(CLIENT.id, CLIENT.secret)) => {
  const res = await fetch(`${sys.api.url}/oauth2/revoke`, { method: 'POST', headers: { 'user-agent': PHONE_UA, authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
};

describe('POST /oauth2/revoke', () => {
  it('answers 200 with an empty body for unknown, malformed and already revoked tokens', async () => {
    for (const token of ['unknown', 'a'.repeat(43), 'x.y.z']) {
      const res = await revoke({ token });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('revokes an access token: introspection says inactive and the API refuses it; a second call is still 200', async () => {
    const a = await registerAndLogin(sys.api);
    expect((await revoke({ token: a.access, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await introspect(sys.api, a.access)).body).toEqual({ active: false });
    expect((await sys.api.call('GET', '/api/v1/auth/tokens/active', { token: a.access })).status).toBe(401);
    expect((await revoke({ token: a.access })).status).toBe(200);
    // Its session's refresh token still works: only the access token was named.
    expect((await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.refresh } })).status).toBe(200);

    const nc = await natsConnection();
    try {
      const events = (await readStream(nc, sys.api.topology.streams.tokenEvents.name)).filter((m) => m.data.type === 'TokenRevoked' && m.data.data.tokenId === decodeJwt(a.access).jti);
      expect(events).toHaveLength(1);
      expect(events[0]!.data.actor).toEqual({ kind: 'service', id: CLIENT.id });
    } finally {
      await nc.close();
    }
  });

  it('revokes a refresh token with its session, whatever the hint says', async () => {
    const a = await registerAndLogin(sys.api);
    expect((await revoke({ token: a.refresh, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await introspect(sys.api, a.refresh)).body).toEqual({ active: false });
    expect((await introspect(sys.api, a.access)).body).toEqual({ active: false });
    expect((await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.refresh } })).status).toBe(401);
  });

  it('lets an owner revoke their own token with their access token, and silently not someone else’s', async () => {
    const a = await registerAndLogin(sys.api);
    const b = await registerAndLogin(sys.api);
    expect((await revoke({ token: b.refresh }, `Bearer ${a.access}`)).status).toBe(200);
    expect((await introspect(sys.api, b.refresh)).body.active).toBe(true);
    expect((await revoke({ token: a.refresh }, `Bearer ${a.access}`)).status).toBe(200);
    expect((await introspect(sys.api, a.refresh)).body.active).toBe(false);
  });

  it('refuses an unauthenticated caller with 401 invalid_client and a missing token with 400', async () => {
    const a = await registerAndLogin(sys.api);
    for (const authorization of ['', basic(CLIENT.id, 'not-the-secret-of-this-client'), 'Bearer not-a-token']) {
      const res = await revoke({ token: a.refresh }, authorization);
      expect(res.status).toBe(401);
      expect(OAuthErrorResponse.parse(res.body).error).toBe('invalid_client');
    }
    expect((await introspect(sys.api, a.refresh)).body.active).toBe(true);
    const missing = await revoke({});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
    const badJson = await fetch(`${sys.api.url}/oauth2/revoke`, { method: 'POST', headers: { authorization: basic(CLIENT.id, CLIENT.secret), 'content-type': 'application/json' }, body: '{' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toBe('invalid_request');
  });
});
