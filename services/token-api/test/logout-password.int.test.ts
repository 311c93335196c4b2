import type { NatsConnection } from '@nats-io/transport-node';
import { uuidV7Timestamp } from '@tessera/contracts';
import { waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, dropSchema, natsConnection, readStream, registerAndLogin, startApi, type Api } from './harness.js';

let api: Api;
let nc: NatsConnection;
beforeAll(async () => {
  api = await startApi();
  nc = await natsConnection();
});
afterAll(async () => {
  await nc?.close();
  await api?.stop();
  if (api) await dropSchema(api);
});

const eventsOf = async (userId: string) => (await readStream(nc, api.topology.streams.tokenEvents.name)).filter((m) => m.data.userId === userId);

describe('logout', () => {
  it('revokes the caller’s session (refresh family and its access tokens) and no other session', async () => {
    const phone = await registerAndLogin(api);
    const laptop = await api.call('POST', '/api/v1/auth/login', { body: { email: phone.email, password: PASSWORD } });
    const rotated = await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: phone.refresh } });

    const out = await api.call('POST', '/api/v1/auth/logout', { token: rotated.body.access_token });
    expect(out.status).toBe(204);
    const sid = decodeJwt(phone.access).sid as string;
    expect(await api.sql(`select 1 from $schema.auth_tokens where family_id = $1 and status = 'ACTIVE'`, [sid])).toEqual([]);
    // Both access tokens of the session and its refresh token are refused by token-api now.
    expect((await api.call('POST', '/api/v1/auth/logout', { token: phone.access })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: rotated.body.refresh_token } })).status).toBe(401);
    // The laptop session is untouched.
    expect((await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: laptop.body.refresh_token } })).status).toBe(200);

    const revoked = await waitFor(async () => {
      const r = (await eventsOf(phone.userId)).filter((m) => m.data.type === 'TokenRevoked');
      return r.length === 3 ? r : null;
    }, { what: 'three TokenRevoked' });
    expect(revoked.map((m) => [m.data.data.tokenType, m.data.data.reason, m.data.data.familyId])).toEqual([
      ['REFRESH', 'logout', sid],
      ['ACCESS', 'logout', sid],
      ['ACCESS', 'logout', sid],
    ]);
    expect(api.logs().some((l) => l.event_type === 'logout' && l.user_id === phone.userId && l.revoked_count === 3)).toBe(true);
  });

  it('needs a valid bearer token', async () => {
    for (const authorization of [undefined, 'Bearer', 'Bearer not.a.jwt', 'Basic dXNlcjpwdw==']) {
      const res = await api.call('POST', '/api/v1/auth/logout', { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_token');
    }
  });
});

describe('password change', () => {
  it('emits PasswordChanged with notBefore, refuses every older token, and the new password logs in', async () => {
    const a = await registerAndLogin(api);
    const b = await api.call('POST', '/api/v1/auth/login', { body: { email: a.email, password: PASSWORD } });

    const wrong = await api.call('POST', '/api/v1/auth/password', { token: a.access, body: { currentPassword: 'not it', newPassword: 'a brand new password' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');

    const changed = await api.call('POST', '/api/v1/auth/password', { token: a.access, body: { currentPassword: PASSWORD, newPassword: 'a brand new password' } });
    expect(changed.status).toBe(204);

    const event = await waitFor(async () => (await eventsOf(a.userId)).find((m) => m.data.type === 'PasswordChanged'), { what: 'PasswordChanged on the stream' });
    const notBefore = event.data.data.notBefore as number;
    expect(event.subject).toBe(api.topology.tokenEventSubject('PasswordChanged', a.userId));
    expect(notBefore).toBeGreaterThan(uuidV7Timestamp(decodeJwt(b.body.access_token).jti!));

    // Older refresh tokens are refused by the database, older access tokens by token-api's bearer check.
    for (const token of [a.refresh, b.body.refresh_token]) expect((await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: token } })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/logout', { token: b.body.access_token })).status).toBe(401);
    const [user] = await api.sql('select tokens_not_before from $schema.users where id = $1', [a.userId]);
    expect((user!.tokens_not_before as Date).getTime()).toBe(notBefore);
    expect(await api.sql(`select 1 from $schema.auth_tokens where user_id = $1 and status = 'ACTIVE'`, [a.userId])).toEqual([]);

    expect((await api.call('POST', '/api/v1/auth/login', { body: { email: a.email, password: PASSWORD } })).status).toBe(401);
    const fresh = await api.call('POST', '/api/v1/auth/login', { body: { email: a.email, password: 'a brand new password' } });
    expect(fresh.status).toBe(200);
    expect(uuidV7Timestamp(decodeJwt(fresh.body.access_token).jti!)).toBeGreaterThanOrEqual(notBefore);
    expect((await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: fresh.body.refresh_token } })).status).toBe(200);
  });
});
