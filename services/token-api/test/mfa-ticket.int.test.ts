// The MFA ticket is a key to one door: POST /api/v1/auth/login/mfa, from the device it was issued
// to, once, before it expires. Anywhere else it is refused like any unknown credential.
import { deleteNatsNamespace } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, PASSWORD, PHONE_UA, dropSchema, startApi, type Api } from './harness.js';
import { enrolledUser, loginAs, loginMfa, type EnrolledUser } from './mfa-support.js';

const CLIENT = { id: 'mfa-ticket-test', secret: 'a-long-enough-client-secret' };

let api: Api;
let user: EnrolledUser;
beforeAll(async () => {
  api = await startApi({ MFA_TICKET_TTL_SECONDS: '120', INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret}` });
  user = await enrolledUser(api, PHONE_UA);
});
afterAll(async () => {
  await api?.stop();
  if (api) {
    await dropSchema(api);
    await deleteNatsNamespace(api.config.NATS_NAMESPACE);
  }
});

async function ticket(ua = LAPTOP_UA): Promise<string> {
  const res = await loginAs(api, user.email, { ua });
  if (res.status !== 401 || res.body.code !== 'mfa_required') throw new Error(`expected mfa_required: ${res.status} ${res.text}`);
  return res.body.mfa_ticket as string;
}

const unusedRecoveryCodes = async () =>
  (await api.sql<{ n: number }>('select count(*)::int as n from $schema.mfa_recovery_codes where user_id = $1 and used_at is null', [user.userId]))[0]!.n;

/** Token and throttle rows of the user, to show a refused ticket changed nothing but counters. */
const tokenRows = () => api.sql('select id, status from $schema.auth_tokens where user_id = $1 order by id', [user.userId]);

describe('the MFA ticket', () => {
  it('is never a bearer token, a refresh token or an active token to introspection, and changes nothing there', async () => {
    const t = await ticket();
    const before = await tokenRows();
    const bearerCalls: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/auth/mfa'],
      ['POST', '/api/v1/auth/logout', {}],
      ['POST', '/api/v1/auth/password', { currentPassword: PASSWORD, newPassword: 'another password 1' }],
      ['POST', '/api/v1/auth/mfa/step-up', { code: '123456' }],
      ['POST', '/api/v1/auth/mfa/totp', { password: PASSWORD }],
      ['DELETE', '/api/v1/auth/mfa/totp', { password: PASSWORD, code: '123456' }],
      ['GET', '/api/v1/auth/tokens/active'],
      ['DELETE', `/api/v1/auth/tokens/all/${user.userId}`],
    ];
    for (const [method, path, body] of bearerCalls) {
      const res = await api.call(method, path, { token: t, ua: LAPTOP_UA, ...(body !== undefined ? { body } : {}) });
      expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status: 401, code: 'invalid_token' });
    }
    const asRefresh = await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: t }, ua: LAPTOP_UA });
    expect(asRefresh.status).toBe(401);
    expect(asRefresh.body.code).toBe('invalid_token');
    const introspected = await api.call('POST', '/oauth2/introspect', {
      raw: new URLSearchParams({ token: t }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}` },
    });
    expect(introspected.status).toBe(200);
    expect(introspected.body).toEqual({ active: false });
    expect(await tokenRows()).toEqual(before);
    // Still good for its own door afterwards.
    expect((await loginMfa(api, t, await user.app.code(), { ua: LAPTOP_UA })).status).toBe(200);
  });

  it('is bound to the device it was issued to: another User-Agent is refused and the ticket stays usable', async () => {
    const t = await ticket('Binding/1');
    const foreign = await loginMfa(api, t, await user.app.code(), { ua: 'Binding/2' });
    expect(foreign.status).toBe(401);
    expect(foreign.body.code).toBe('invalid_token');
    expect(api.logs().some((l) => l.event_type === 'device_mismatch' && l.user_id === user.userId && l.where === 'mfa_ticket')).toBe(true);
    // The code was never checked, so it is still unused too.
    expect((await loginMfa(api, t, user.app.lastCode(), { ua: 'Binding/1' })).status).toBe(200);
  });

  it('is single use', async () => {
    const t = await ticket('Single/1');
    expect((await loginMfa(api, t, user.recoveryCodes[2]!, { ua: 'Single/1' })).status).toBe(200);
    const again = await loginMfa(api, t, user.recoveryCodes[0]!, { ua: 'Single/1' });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_token');
    // The second recovery code was not spent on the dead ticket.
    expect(await unusedRecoveryCodes()).toBe(9);
  });

  it('expires after MFA_TICKET_TTL_SECONDS', async () => {
    const t = await ticket('Expiry/1');
    const [row] = await api.sql<{ ttl: number }>('select extract(epoch from expires_at - created_at)::int as ttl from $schema.mfa_tickets where user_id = $1', [user.userId]);
    expect(row!.ttl).toBe(120);
    // Move the clock of the row rather than wait two minutes: expiry is read from expires_at.
    await api.sql(`update $schema.mfa_tickets set created_at = created_at - interval '121 seconds', expires_at = expires_at - interval '121 seconds' where user_id = $1`, [user.userId]);
    const late = await loginMfa(api, t, user.recoveryCodes[3]!, { ua: 'Expiry/1' });
    expect(late.status).toBe(401);
    expect(late.body.code).toBe('invalid_token');
    expect(await unusedRecoveryCodes()).toBe(9);
    // An expired ticket is dropped when the user's next one is made.
    await ticket('Expiry/2');
    expect(await api.sql('select 1 from $schema.mfa_tickets where user_id = $1 and expires_at <= now()', [user.userId])).toEqual([]);
  });

  it('dies with a password change made after it was issued', async () => {
    const t = await ticket('Password/1');
    const session = await loginAs(api, user.email, { ua: PHONE_UA });
    expect((await api.call('POST', '/api/v1/auth/password', { token: session.body.access_token, ua: PHONE_UA, body: { currentPassword: PASSWORD, newPassword: 'a new password 2' } })).status).toBe(204);
    const res = await loginMfa(api, t, user.recoveryCodes[1]!, { ua: 'Password/1' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_token');
    expect(await unusedRecoveryCodes()).toBe(9);
  });
});
