// Issue 13: an admin's logout-all of another user can require a recent second factor
// (MFA_ADMIN_STEP_UP). Default `enrolled`: an admin with MFA on must step up first, so a stolen
// password-only admin token cannot sign users out; `always`: every admin must. A refused call
// changes nothing. Against the real service, PostgreSQL, NATS and the revocation service.
import { Problem } from '@tessera/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE_UA, registerAndLogin, type Api } from './harness.js';
import { claimsOf, enrol } from './mfa-support.js';
import { startTokenSystem, type TokenSystem } from './tokens-harness.js';

let enrolledPolicy: TokenSystem;
let alwaysPolicy: TokenSystem;
beforeAll(async () => {
  [enrolledPolicy, alwaysPolicy] = await Promise.all([startTokenSystem(), startTokenSystem({ MFA_ADMIN_STEP_UP: 'always' })]);
});
afterAll(async () => {
  await Promise.all([enrolledPolicy?.stop(), alwaysPolicy?.stop()]);
});

const logoutAll = (api: Api, userId: string, token: string) => api.call('DELETE', `/api/v1/auth/tokens/all/${userId}`, { token, body: { reason: 'account compromised' } });
const activeTokens = async (api: Api, userId: string) => (await api.sql(`select id from $schema.auth_tokens where user_id = $1 and status = 'ACTIVE'`, [userId])).length;
const logoutAllEvents = async (api: Api, userId: string) => (await api.sql(`select 1 from $schema.token_events where user_id = $1 and type = 'LogoutAll'`, [userId])).length;

function expectStepUpChallenge(res: { status: number; headers: Headers; body: unknown }) {
  expect(res.status).toBe(401);
  expect(Problem.parse(res.body).code).toBe('insufficient_user_authentication');
  expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", max_age=300');
}

describe('MFA_ADMIN_STEP_UP=enrolled (default)', () => {
  it('an admin without MFA signs a user out as before; once enrolled, only after a step-up, and a refusal changes nothing', async () => {
    const { api, admin } = enrolledPolicy;
    const first = await registerAndLogin(api);
    expect((await logoutAll(api, first.userId, admin.access)).status).toBe(200);

    const { app } = await enrol(api, admin.access, PHONE_UA);
    const victim = await registerAndLogin(api);
    // The admin's token is password-only (amr pwd): the challenge, and the user keeps every token.
    expect(claimsOf(admin.access).amr).toEqual(['pwd']);
    expectStepUpChallenge(await logoutAll(api, victim.userId, admin.access));
    expect(await activeTokens(api, victim.userId)).toBe(2);
    expect(await logoutAllEvents(api, victim.userId)).toBe(0);

    const stepped = await api.call('POST', '/api/v1/auth/mfa/step-up', { token: admin.access, body: { code: await app.code() } });
    expect(stepped.status).toBe(200);
    expect(claimsOf(stepped.body.access_token)).toMatchObject({ amr: ['pwd', 'otp'], scope: claimsOf(admin.access).scope });
    const done = await logoutAll(api, victim.userId, stepped.body.access_token);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ userId: victim.userId, revokedCount: 2 });
    expect(await activeTokens(api, victim.userId)).toBe(0);
    expect(await logoutAllEvents(api, victim.userId)).toBe(1);
  });

  it('never asks a user signing themselves out everywhere', async () => {
    const { api } = enrolledPolicy;
    const user = await registerAndLogin(api, { ua: PHONE_UA });
    await enrol(api, user.access, PHONE_UA);
    const res = await logoutAll(api, user.userId, user.access);
    expect(res.status).toBe(200);
    expect(res.body.revokedCount).toBe(2);
  });
});

describe('MFA_ADMIN_STEP_UP=always', () => {
  it('refuses an admin without MFA (step-up is impossible until they enrol); users still sign themselves out', async () => {
    const { api, admin } = alwaysPolicy;
    const victim = await registerAndLogin(api);
    expectStepUpChallenge(await logoutAll(api, victim.userId, admin.access));
    expect(await activeTokens(api, victim.userId)).toBe(2);
    const stepUp = await api.call('POST', '/api/v1/auth/mfa/step-up', { token: admin.access, body: { code: '123456' } });
    expect(stepUp.status).toBe(409);

    expect((await logoutAll(api, victim.userId, victim.access)).status).toBe(200);
    expect(await logoutAllEvents(api, victim.userId)).toBe(1);
  });
});
