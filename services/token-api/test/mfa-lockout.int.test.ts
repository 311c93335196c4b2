// Wrong second-factor codes count toward the same account lockout as wrong passwords, and a right
// password never resets that count while the second factor is outstanding.
import { createHash } from 'node:crypto';
import { deleteNatsNamespace } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, PHONE_UA, dropSchema, startApi, type Api } from './harness.js';
import { enrolledUser, loginAs, loginMfa } from './mfa-support.js';

let api: Api;
beforeAll(async () => {
  api = await startApi({ LOGIN_MAX_FAILURES: '3', LOGIN_FAILURE_WINDOW_SECONDS: '600', LOGIN_LOCKOUT_SECONDS: '300', LOGIN_IP_MAX_FAILURES: '1000' });
});
afterAll(async () => {
  await api?.stop();
  if (api) {
    await dropSchema(api);
    await deleteNatsNamespace(api.config.NATS_NAMESPACE);
  }
});

async function metric(name: string, label: string): Promise<number> {
  const line = (await api.call('GET', '/metrics')).text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('wrong codes and the account lockout', () => {
  it('locks the account after LOGIN_MAX_FAILURES wrong codes: then even the right code, and the right password, get 429', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const before = await metric('login_failure_total', 'reason="invalid_mfa_code"');
    const { mfa_ticket: ticket } = (await loginAs(api, user.email, { ua: 'Lock/1' })).body;
    for (let i = 0; i < 3; i++) {
      const res = await loginMfa(api, ticket, user.app.wrongCode(), { ua: 'Lock/1' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_mfa_code');
    }
    const locked = await loginMfa(api, ticket, await user.app.code(), { ua: 'Lock/1' });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(290);
    const password = await loginAs(api, user.email, { ua: PHONE_UA });
    expect(password.status).toBe(429);
    expect(password.body.code).toBe('account_locked');
    expect(await metric('login_failure_total', 'reason="invalid_mfa_code"')).toBe(before + 3);
    expect(api.logs().filter((l) => l.event_type === 'account_lockout' && l.user_id === user.userId)).toEqual([expect.objectContaining({ cause: 'mfa_code', failures: 3 })]);
    expect(await api.sql('select 1 from $schema.auth_tokens where user_id = $1 and created_at > now() - interval \'5 seconds\' and fingerprint = encode(sha256($2::bytea), \'hex\')', [user.userId, 'Lock/1'])).toEqual([]);
  });

  it('a right password does not reset the count of wrong codes; wrong passwords and wrong codes add up', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const first = (await loginAs(api, user.email, { ua: 'Count/1' })).body.mfa_ticket;
    expect((await loginMfa(api, first, user.app.wrongCode(), { ua: 'Count/1' })).status).toBe(401);
    expect((await loginAs(api, user.email, { ua: 'Count/1', password: 'wrong password' })).status).toBe(401);
    // Right password again: a new ticket, but the two failures stand.
    const second = (await loginAs(api, user.email, { ua: 'Count/1' })).body.mfa_ticket;
    expect((await loginMfa(api, second, user.app.wrongCode(), { ua: 'Count/1' })).status).toBe(401);
    expect((await loginMfa(api, second, await user.app.code(), { ua: 'Count/1' })).status).toBe(429);
  });

  it('a completed second step clears the count, like a successful password login', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const t = (await loginAs(api, user.email, { ua: 'Clear/1' })).body.mfa_ticket;
    for (let i = 0; i < 2; i++) expect((await loginMfa(api, t, user.app.wrongCode(), { ua: 'Clear/1' })).status).toBe(401);
    expect((await loginMfa(api, t, await user.app.code(), { ua: 'Clear/1' })).status).toBe(200);
    const next = (await loginAs(api, user.email, { ua: 'Clear/2' })).body.mfa_ticket;
    for (let i = 0; i < 2; i++) expect((await loginMfa(api, next, user.app.wrongCode(), { ua: 'Clear/2' })).status).toBe(401);
    expect((await loginMfa(api, next, user.recoveryCodes[0]!, { ua: 'Clear/2' })).status).toBe(200);
  });

  it('counts every one of many parallel guesses: exactly LOGIN_MAX_FAILURES are answered, the rest find the account locked', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const tickets = await Promise.all(Array.from({ length: 4 }, () => loginAs(api, user.email, { ua: 'Parallel/1' }).then((r) => r.body.mfa_ticket as string)));
    const guesses = await Promise.all(Array.from({ length: 12 }, (_, i) => loginMfa(api, tickets[i % 4]!, user.app.wrongCode(), { ua: 'Parallel/1' })));
    const statuses = guesses.map((g) => g.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    const [row] = await api.sql('select failures from $schema.login_throttle where key = $1', [`email:${createHash('sha256').update(user.email).digest('hex')}`]);
    expect(row!.failures).toBe(3);
  });

  it('a wrong code on step-up and on disabling counts too', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const session = (await loginAs(api, user.email, { ua: PHONE_UA })).body.access_token;
    expect((await api.call('POST', '/api/v1/auth/mfa/step-up', { token: session, body: { code: user.app.wrongCode() } })).status).toBe(401);
    expect((await api.call('DELETE', '/api/v1/auth/mfa/totp', { token: session, body: { password: PASSWORD, code: user.app.wrongCode() } })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/mfa/step-up', { token: session, body: { code: user.app.wrongCode() } })).status).toBe(401);
    const locked = await api.call('POST', '/api/v1/auth/mfa/step-up', { token: session, body: { code: await user.app.code() } });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
  });
});
