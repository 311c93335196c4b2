// MFA_LOGIN_POLICY=always asks an enrolled user for the code at every login, known device or
// not; and under the default policy a device unused for KNOWN_DEVICE_TTL_DAYS is unfamiliar again.
import { deleteNatsNamespace } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE_UA, dropSchema, registerAndLogin, startApi, type Api } from './harness.js';
import { claimsOf, enrolledUser, loginAs, loginMfa } from './mfa-support.js';

let always: Api;
let unfamiliar: Api;
beforeAll(async () => {
  [always, unfamiliar] = await Promise.all([startApi({ MFA_LOGIN_POLICY: 'always' }), startApi({ KNOWN_DEVICE_TTL_DAYS: '30' })]);
});
afterAll(async () => {
  for (const api of [always, unfamiliar]) {
    await api?.stop();
    if (api) {
      await dropSchema(api);
      await deleteNatsNamespace(api.config.NATS_NAMESPACE);
    }
  }
});

describe('MFA_LOGIN_POLICY=always', () => {
  it('asks an enrolled user for the code even on the device that enrolled; users without MFA are not asked', async () => {
    const user = await enrolledUser(always, PHONE_UA);
    const login = await loginAs(always, user.email, { ua: PHONE_UA });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe('mfa_required');
    // A known device: no unfamiliar_login report, only the challenge.
    expect(always.logs().filter((l) => l.event_type === 'unfamiliar_login' && l.user_id === user.userId)).toEqual([]);
    const done = await loginMfa(always, login.body.mfa_ticket, await user.app.code(), { ua: PHONE_UA });
    expect(done.status).toBe(200);
    expect(claimsOf(done.body.access_token).amr).toEqual(['pwd', 'otp']);

    const plain = await registerAndLogin(always, { ua: PHONE_UA });
    expect((await loginAs(always, plain.email, { ua: PHONE_UA })).status).toBe(200);
  });
});

describe('KNOWN_DEVICE_TTL_DAYS', () => {
  it('forgets a device unused for longer: the code again, and the stale rows are dropped at the next login', async () => {
    const user = await enrolledUser(unfamiliar, PHONE_UA);
    expect((await loginAs(unfamiliar, user.email, { ua: PHONE_UA })).status).toBe(200);
    await unfamiliar.sql(`update $schema.known_devices set last_seen_at = now() - interval '31 days', first_seen_at = now() - interval '40 days' where user_id = $1`, [user.userId]);
    const stale = await loginAs(unfamiliar, user.email, { ua: PHONE_UA });
    expect(stale.status).toBe(401);
    expect(stale.body.code).toBe('mfa_required');
    expect((await loginMfa(unfamiliar, stale.body.mfa_ticket, await user.app.code(), { ua: PHONE_UA })).status).toBe(200);
    // Known again: last seen now, first seen kept from before.
    const rows = await unfamiliar.sql<{ fresh: boolean; old_first: boolean }>(`select last_seen_at > now() - interval '1 minute' as fresh, first_seen_at < now() - interval '39 days' as old_first from $schema.known_devices where user_id = $1`, [user.userId]);
    expect(rows).toEqual([{ fresh: true, old_first: true }]);
    expect((await loginAs(unfamiliar, user.email, { ua: PHONE_UA })).status).toBe(200);
  });

  it('drops other devices of the user that were not seen for longer', async () => {
    const user = await registerAndLogin(unfamiliar, { ua: 'Old/1' });
    expect((await loginAs(unfamiliar, user.email, { ua: 'Old/2' })).status).toBe(200);
    await unfamiliar.sql(`update $schema.known_devices set last_seen_at = now() - interval '31 days' where user_id = $1 and fingerprint = encode(sha256('Old/1'::bytea), 'hex')`, [user.userId]);
    expect((await loginAs(unfamiliar, user.email, { ua: 'Old/2' })).status).toBe(200);
    const rows = await unfamiliar.sql<{ fingerprint: string }>('select fingerprint from $schema.known_devices where user_id = $1', [user.userId]);
    expect(rows).toHaveLength(1);
  });
});
