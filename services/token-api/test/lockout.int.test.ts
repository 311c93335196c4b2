import { uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, dropSchema, registerAndLogin, startApi, type Api } from './harness.js';

let api: Api;
beforeAll(async () => {
  api = await startApi({ LOGIN_MAX_FAILURES: '3', LOGIN_FAILURE_WINDOW_SECONDS: '60', LOGIN_LOCKOUT_SECONDS: '120', LOGIN_IP_MAX_FAILURES: '8', LOGIN_IP_WINDOW_SECONDS: '300' });
});
afterAll(async () => {
  await api?.stop();
  if (api) await dropSchema(api);
});

const login = (email: string, password: string, ip: string, requestId?: string) =>
  api.call('POST', '/api/v1/auth/login', { body: { email, password }, ip, headers: requestId ? { 'x-request-id': requestId } : {} });

async function metric(name: string, label = ''): Promise<number> {
  const text = (await api.call('GET', '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(label));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('login failures', () => {
  it('answers an unknown email and a wrong password with byte-identical 401 bodies', async () => {
    const { email } = await registerAndLogin(api);
    const wrong = await login(email, 'not the password', '198.51.100.1', 'same-request-id');
    const unknown = await login(`nobody-${uniqueSuffix()}@example.com`, 'not the password', '198.51.100.1', 'same-request-id');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(wrong.text).toBe(unknown.text);
    expect(wrong.body).toMatchObject({ code: 'invalid_credentials', detail: 'Invalid email or password' });
  });

  it('locks the account after the configured failures, answers 429 with Retry-After even for the right password, and logs and counts it', async () => {
    const { email, userId } = await registerAndLogin(api);
    const failuresBefore = await metric('login_failure_total', 'reason="invalid_credentials"');
    for (let i = 0; i < 3; i++) expect((await login(email, `wrong ${i}`, '198.51.100.2')).status).toBe(401);
    const locked = await login(email, PASSWORD, '198.51.100.3');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(100);
    expect(retryAfter).toBeLessThanOrEqual(120);
    expect(await metric('login_failure_total', 'reason="invalid_credentials"')).toBe(failuresBefore + 3);
    expect(await metric('login_failure_total', 'reason="account_locked"')).toBeGreaterThanOrEqual(1);

    const security = api.logs().filter((l) => l.security === true && (l.user_id === userId || l.event_type === 'account_lockout'));
    expect(security.filter((l) => l.event_type === 'auth_failure' && l.reason === 'invalid_credentials' && l.user_id === userId)).toHaveLength(3);
    expect(security.filter((l) => l.event_type === 'account_lockout' && l.user_id === userId)).toHaveLength(1);
    // Neither the password nor the email is in any log line.
    const all = JSON.stringify(api.logs());
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(email);
  });

  it('locks an unknown email the same way, so a lockout does not reveal that an account exists', async () => {
    const ghost = `ghost-${uniqueSuffix()}@example.com`;
    for (let i = 0; i < 3; i++) expect((await login(ghost, 'guess', '198.51.100.4')).status).toBe(401);
    const locked = await login(ghost, 'guess', '198.51.100.4');
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('account_locked');
  });

  it('throttles an address after its failures across accounts, while other addresses still log in', async () => {
    const { email } = await registerAndLogin(api);
    const ip = '203.0.113.99';
    for (let i = 0; i < 8; i++) await login(`spray-${i}-${uniqueSuffix()}@example.com`, 'guess', ip);
    const throttled = await login(email, PASSWORD, ip);
    expect(throttled.status).toBe(429);
    expect(throttled.body.code).toBe('rate_limited');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(email, PASSWORD, '203.0.113.100')).status).toBe(200);
  });

  it('counts successes and logs auth_success; a success clears the account counter', async () => {
    const { email } = await registerAndLogin(api);
    const before = await metric('login_success_total');
    for (let i = 0; i < 2; i++) await login(email, 'wrong', '198.51.100.5');
    expect((await login(email, PASSWORD, '198.51.100.5')).status).toBe(200);
    // The two earlier failures no longer count: two more do not lock.
    for (let i = 0; i < 2; i++) await login(email, 'wrong', '198.51.100.5');
    expect((await login(email, PASSWORD, '198.51.100.5')).status).toBe(200);
    expect(await metric('login_success_total')).toBe(before + 2);
    expect(api.logs().some((l) => l.event_type === 'auth_success' && l.security === true && l.client_ip === '198.51.100.5')).toBe(true);
  });
});
