// Issue 13, live: enrollment → confirm → login with a code, replay refused, recovery codes,
// step-up for a call that needs a recent second factor, the unfamiliar device and country rule,
// and turning MFA off — against the real service, PostgreSQL and NATS.
import { createHash } from 'node:crypto';
import { MfaRequiredProblem, TotpConfirmResponse, TotpEnrollResponse, parseTokenEvent } from '@tessera/contracts';
import { deleteNatsNamespace, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, PASSWORD, PHONE_UA, dropSchema, natsConnection, readStream, registerAndLogin, startApi, type Api } from './harness.js';
import { Authenticator, claimsOf, enrolledUser, loginAs, loginMfa } from './mfa-support.js';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api?.stop();
  if (api) {
    await dropSchema(api);
    await deleteNatsNamespace(api.config.NATS_NAMESPACE);
  }
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const securityLines = (userId: string, type: string) => api.logs().filter((l) => l.security === true && l.event_type === type && l.user_id === userId);
const eventsOf = (userId: string) => api.sql<{ type: string; payload: any; published_at: Date | null }>('select type, payload, published_at from $schema.token_events where user_id = $1 order by sequence', [userId]);

// jsqr is CommonJS whose module object is the function and also carries it as `default`.
const jsQR = (jsqr as unknown as { default: typeof jsqr.default }).default;

function decodeQr(dataUrl: string): string | undefined {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describe('enrollment → confirm → login with a code', () => {
  it('enrols with the password, stores the secret sealed, activates on a code and hands out 10 recovery codes once', async () => {
    const user = await registerAndLogin(api);
    expect((await api.call('GET', '/api/v1/auth/mfa', { token: user.access })).body).toEqual({ totp: 'disabled', enabledAt: null, recoveryCodesRemaining: 0 });

    const wrongPassword = await api.call('POST', '/api/v1/auth/mfa/totp', { token: user.access, body: { password: 'not the password' } });
    expect(wrongPassword.status).toBe(401);
    expect(wrongPassword.body.code).toBe('invalid_credentials');

    const start = await api.call('POST', '/api/v1/auth/mfa/totp', { token: user.access, body: { password: PASSWORD } });
    expect(start.status).toBe(200);
    expect(start.headers.get('cache-control')).toBe('no-store');
    const enroll = TotpEnrollResponse.parse(start.body);
    const uri = new URL(enroll.otpauthUri);
    expect(decodeURIComponent(uri.pathname)).toBe(`/Tessera:${user.email}`);
    expect(uri.searchParams.get('secret')).toBe(enroll.secret);
    // The QR code is the same URI, as an authenticator app's camera reads it.
    expect(decodeQr(enroll.qrCode)).toBe(enroll.otpauthUri);

    const [pending] = await api.sql('select status, secret_ciphertext, kek_id, last_used_step, enabled_at from $schema.mfa_totp where user_id = $1', [user.userId]);
    const app = Authenticator.fromUri(enroll.otpauthUri);
    expect(pending).toMatchObject({ status: 'pending', last_used_step: null, enabled_at: null, kek_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect((pending!.secret_ciphertext as Buffer).includes(app.secret)).toBe(false);
    expect((pending!.secret_ciphertext as Buffer).toString('latin1')).not.toContain(enroll.secret);
    expect((await api.call('GET', '/api/v1/auth/mfa', { token: user.access })).body.totp).toBe('pending');
    // Pending changes nothing for logins.
    expect((await loginAs(api, user.email, { ua: LAPTOP_UA })).status).toBe(200);

    const wrong = await api.call('POST', '/api/v1/auth/mfa/totp/confirm', { token: user.access, body: { code: app.wrongCode() } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_mfa_code');
    const confirm = await api.call('POST', '/api/v1/auth/mfa/totp/confirm', { token: user.access, body: { code: await app.code() } });
    expect(confirm.status).toBe(200);
    expect(confirm.headers.get('cache-control')).toBe('no-store');
    const { recoveryCodes } = TotpConfirmResponse.parse(confirm.body);
    expect(new Set(recoveryCodes).size).toBe(10);

    const stored = await api.sql<{ code_hash: string; used_at: Date | null }>('select code_hash, used_at from $schema.mfa_recovery_codes where user_id = $1', [user.userId]);
    expect(stored.map((r) => r.code_hash).sort()).toEqual(recoveryCodes.map((c) => sha256(c.replaceAll('-', ''))).sort());
    expect(stored.every((r) => r.used_at === null)).toBe(true);
    const [active] = await api.sql('select status, last_used_step, enabled_at from $schema.mfa_totp where user_id = $1', [user.userId]);
    expect(active).toMatchObject({ status: 'active', enabled_at: expect.any(Date) });
    // The confirming code's step is the replay floor from now on.
    expect(Math.abs(Number(active!.last_used_step) - Math.floor(Date.now() / 30_000))).toBeLessThanOrEqual(1);
    const status = await api.call('GET', '/api/v1/auth/mfa', { token: user.access });
    expect(status.body).toEqual({ totp: 'enabled', enabledAt: expect.any(String), recoveryCodesRemaining: 10 });

    // Shown once: a second confirmation (or enrollment) is refused.
    expect((await api.call('POST', '/api/v1/auth/mfa/totp/confirm', { token: user.access, body: { code: await app.code() } })).status).toBe(409);
    expect((await api.call('POST', '/api/v1/auth/mfa/totp', { token: user.access, body: { password: PASSWORD } })).status).toBe(409);

    // MfaEnabled through the outbox to the stream.
    await waitFor(async () => (await eventsOf(user.userId)).some((e) => e.type === 'MfaEnabled' && e.published_at !== null), { what: 'MfaEnabled published' });
    const enabled = (await eventsOf(user.userId)).find((e) => e.type === 'MfaEnabled')!;
    expect(parseTokenEvent(enabled.payload).success).toBe(true);
    expect(enabled.payload.data).toEqual({ method: 'totp', recoveryCodes: 10, clientIp: '127.0.0.1', userAgent: PHONE_UA });
    const nc = await natsConnection();
    try {
      const stream = await readStream(nc, api.topology.streams.tokenEvents.name);
      expect(stream.find((m) => m.msgId === enabled.payload.id)?.subject).toBe(api.topology.tokenEventSubject('MfaEnabled', user.userId));
    } finally {
      await nc.close();
    }
    expect(JSON.stringify(api.logs())).not.toContain(enroll.secret);
    for (const code of recoveryCodes) expect(JSON.stringify(api.logs())).not.toContain(code);
  });

  it('a known device signs in with the password alone (amr pwd); a new one answers mfa_required, and the code completes the login (amr pwd otp)', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const known = await loginAs(api, user.email, { ua: PHONE_UA });
    expect(known.status).toBe(200);
    expect(claimsOf(known.body.access_token)).toMatchObject({ amr: ['pwd'], auth_time: expect.any(Number) });

    const challenge = await loginAs(api, user.email, { ua: LAPTOP_UA });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('content-type')).toContain('application/problem+json');
    expect(challenge.headers.get('cache-control')).toBe('no-store');
    const problem = MfaRequiredProblem.parse(challenge.body);
    expect(problem).toMatchObject({ code: 'mfa_required', mfa_ticket_expires_in: 300, mfa_methods: ['totp', 'recovery_code'] });
    const [ticketRow] = await api.sql('select ticket_hash, user_id, fingerprint, extract(epoch from expires_at - created_at)::int as ttl from $schema.mfa_tickets where user_id = $1', [user.userId]);
    expect(ticketRow).toEqual({ ticket_hash: sha256(problem.mfa_ticket), user_id: user.userId, fingerprint: sha256(LAPTOP_UA), ttl: 300 });
    expect(securityLines(user.userId, 'unfamiliar_login')).toEqual([expect.objectContaining({ new_device: true, new_country: false, mfa_enrolled: true, outcome: 'mfa_required' })]);

    const done = await loginMfa(api, problem.mfa_ticket, await user.app.code(), { ua: LAPTOP_UA });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    const claims = claimsOf(done.body.access_token);
    expect(claims).toMatchObject({ amr: ['pwd', 'otp'], sub: user.userId });
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(5);
    expect(await api.sql('select 1 from $schema.mfa_tickets where user_id = $1', [user.userId])).toEqual([]);
    // The session works, and a refresh keeps how and when it was authenticated.
    expect((await api.call('GET', '/api/v1/auth/mfa', { token: done.body.access_token, ua: LAPTOP_UA })).status).toBe(200);
    const refreshed = await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: done.body.refresh_token }, ua: LAPTOP_UA });
    expect(refreshed.status).toBe(200);
    expect(claimsOf(refreshed.body.access_token)).toMatchObject({ amr: ['pwd', 'otp'], auth_time: claims.auth_time });

    // The laptop is known now.
    expect((await loginAs(api, user.email, { ua: LAPTOP_UA })).status).toBe(200);
  });

  it('refuses a replayed code: the code of a step already accepted (older steps of the window: factor.test.ts)', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const first = await loginAs(api, user.email, { ua: 'Replay/1' });
    const code = await user.app.code();
    expect((await loginMfa(api, first.body.mfa_ticket, code, { ua: 'Replay/1' })).status).toBe(200);

    const second = await loginAs(api, user.email, { ua: 'Replay/2' });
    expect(second.status).toBe(401);
    const replay = await loginMfa(api, second.body.mfa_ticket, code, { ua: 'Replay/2' });
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_mfa_code');
    expect(securityLines(user.userId, 'mfa_failure')).toEqual([expect.objectContaining({ reason: 'replayed', where: 'login' })]);
    // The ticket survives a wrong code; the next step's code completes the login.
    expect((await loginMfa(api, second.body.mfa_ticket, await user.app.code(), { ua: 'Replay/2' })).status).toBe(200);
  });

  it('a recovery code works once, typed loosely, and says how many are left', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const code = user.recoveryCodes[3]!;
    const first = await loginAs(api, user.email, { ua: 'Recovery/1' });
    const loose = code.toLowerCase().replaceAll('-', ' ');
    const used = await loginMfa(api, first.body.mfa_ticket, loose, { ua: 'Recovery/1' });
    expect(used.status).toBe(200);
    expect(claimsOf(used.body.access_token).amr).toEqual(['pwd', 'otp']);

    const again = await loginAs(api, user.email, { ua: 'Recovery/2' });
    const reused = await loginMfa(api, again.body.mfa_ticket, code, { ua: 'Recovery/2' });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('invalid_mfa_code');
    expect((await loginMfa(api, again.body.mfa_ticket, user.recoveryCodes[4]!, { ua: 'Recovery/2' })).status).toBe(200);

    const events = (await eventsOf(user.userId)).filter((e) => e.type === 'RecoveryCodeUsed');
    expect(events.map((e) => e.payload.data.remaining)).toEqual([9, 8]);
    expect((await api.call('GET', '/api/v1/auth/mfa', { token: used.body.access_token, ua: 'Recovery/1' })).body.recoveryCodesRemaining).toBe(8);
    const [row] = await api.sql('select count(*)::int as n from $schema.mfa_recovery_codes where user_id = $1 and used_at is not null', [user.userId]);
    expect(row!.n).toBe(2);
  });
});

describe('step-up on an unfamiliar device or country', () => {
  it('a new country asks an enrolled user for the code even on a known device; a known one does not', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const fromFrance = await loginAs(api, user.email, { ua: PHONE_UA, country: 'FR' });
    expect(fromFrance.status).toBe(401);
    expect(fromFrance.body.code).toBe('mfa_required');
    expect(securityLines(user.userId, 'unfamiliar_login').at(-1)).toMatchObject({ new_device: false, new_country: true, country: 'FR' });
    expect((await loginMfa(api, fromFrance.body.mfa_ticket, await user.app.code(), { ua: PHONE_UA, country: 'FR' })).status).toBe(200);
    // France is known now (the header's case does not matter); Germany is not.
    expect((await loginAs(api, user.email, { ua: PHONE_UA, country: 'fr' })).status).toBe(200);
    expect((await loginAs(api, user.email, { ua: PHONE_UA, country: 'DE' })).status).toBe(401);
    const rows = await api.sql('select fingerprint, country from $schema.known_devices where user_id = $1 order by country', [user.userId]);
    expect(rows).toEqual([
      { fingerprint: sha256(PHONE_UA), country: '' },
      { fingerprint: sha256(PHONE_UA), country: 'FR' },
    ]);
  });

  it('a user without MFA is never asked, but a login from a new device is reported (not the very first one)', async () => {
    const user = await registerAndLogin(api, { ua: PHONE_UA });
    expect(securityLines(user.userId, 'unfamiliar_login')).toEqual([]);
    expect((await loginAs(api, user.email, { ua: PHONE_UA })).status).toBe(200);
    expect(securityLines(user.userId, 'unfamiliar_login')).toEqual([]);
    const fresh = await loginAs(api, user.email, { ua: `Brand new browser ${uniqueSuffix()}`, country: 'BR' });
    expect(fresh.status).toBe(200);
    expect(securityLines(user.userId, 'unfamiliar_login')).toEqual([expect.objectContaining({ new_device: true, new_country: true, mfa_enrolled: false, outcome: 'allowed', country: 'BR' })]);
  });
});

describe('recent second factor for sensitive calls', () => {
  it('refuses a password-only token with the RFC 9470 challenge; a step-up token (same session, amr otp) passes', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const login = await loginAs(api, user.email, { ua: PHONE_UA });
    const refused = await api.call('POST', '/api/v1/auth/mfa/recovery-codes', { token: login.body.access_token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('insufficient_user_authentication');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", max_age=300');

    const wrong = await api.call('POST', '/api/v1/auth/mfa/step-up', { token: login.body.access_token, body: { code: user.app.wrongCode() } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_mfa_code');
    const stepped = await api.call('POST', '/api/v1/auth/mfa/step-up', { token: login.body.access_token, body: { code: await user.app.code() } });
    expect(stepped.status).toBe(200);
    expect(stepped.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: login.body.scope });
    expect(stepped.body).not.toHaveProperty('refresh_token');
    const before = claimsOf(login.body.access_token);
    const after = claimsOf(stepped.body.access_token);
    expect(after).toMatchObject({ sid: before.sid, fpr: before.fpr, scope: before.scope, amr: ['pwd', 'otp'] });

    const fresh = await api.call('POST', '/api/v1/auth/mfa/recovery-codes', { token: stepped.body.access_token });
    expect(fresh.status).toBe(200);
    expect(fresh.body.recoveryCodes).toHaveLength(10);
    // The old codes are gone, the new ones work.
    const ticket = (await loginAs(api, user.email, { ua: 'StepUp/1' })).body.mfa_ticket;
    expect((await loginMfa(api, ticket, user.recoveryCodes[0]!, { ua: 'StepUp/1' })).status).toBe(401);
    expect((await loginMfa(api, ticket, fresh.body.recoveryCodes[0], { ua: 'StepUp/1' })).status).toBe(200);

    // Logging the session out ends the stepped-up token with it.
    expect((await api.call('POST', '/api/v1/auth/logout', { token: login.body.access_token })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/auth/mfa', { token: stepped.body.access_token })).status).toBe(401);
  });
});

describe('turning MFA off', () => {
  it('needs the password and a current code; then logins need only the password, and MfaDisabled is published', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const token = user.access;
    // The password is checked first (a code is never spent on a wrong password).
    const badPassword = await api.call('DELETE', '/api/v1/auth/mfa/totp', { token, body: { password: 'wrong password', code: user.app.wrongCode() } });
    expect(badPassword.status).toBe(401);
    expect(badPassword.body.code).toBe('invalid_credentials');
    const badCode = await api.call('DELETE', '/api/v1/auth/mfa/totp', { token, body: { password: PASSWORD, code: user.app.wrongCode() } });
    expect(badCode.status).toBe(401);
    expect(badCode.body.code).toBe('invalid_mfa_code');
    expect((await api.sql('select status from $schema.mfa_totp where user_id = $1', [user.userId]))[0]).toEqual({ status: 'active' });

    const off = await api.call('DELETE', '/api/v1/auth/mfa/totp', { token, body: { password: PASSWORD, code: await user.app.code() } });
    expect(off.status).toBe(204);
    for (const table of ['mfa_totp', 'mfa_recovery_codes', 'mfa_tickets']) expect(await api.sql(`select 1 from $schema.${table} where user_id = $1`, [user.userId])).toEqual([]);
    expect((await api.call('GET', '/api/v1/auth/mfa', { token })).body).toEqual({ totp: 'disabled', enabledAt: null, recoveryCodesRemaining: 0 });
    expect((await loginAs(api, user.email, { ua: `After MFA ${uniqueSuffix()}` })).status).toBe(200);
    expect((await api.call('DELETE', '/api/v1/auth/mfa/totp', { token, body: { password: PASSWORD, code: user.app.wrongCode() } })).status).toBe(409);

    await waitFor(async () => (await eventsOf(user.userId)).some((e) => e.type === 'MfaDisabled' && e.published_at !== null), { what: 'MfaDisabled published' });
    const disabled = (await eventsOf(user.userId)).find((e) => e.type === 'MfaDisabled')!;
    expect(disabled.payload).toMatchObject({ userId: user.userId, actor: { kind: 'user', id: user.userId }, data: { method: 'totp', userAgent: PHONE_UA } });
  });

  it('works with a recovery code for a lost phone', async () => {
    const user = await enrolledUser(api, PHONE_UA);
    const off = await api.call('DELETE', '/api/v1/auth/mfa/totp', { token: user.access, body: { password: PASSWORD, code: user.recoveryCodes[9] } });
    expect(off.status).toBe(204);
    expect((await eventsOf(user.userId)).map((e) => e.type).slice(-2)).toEqual(['RecoveryCodeUsed', 'MfaDisabled']);
  });
});
