// Helpers for the MFA integration tests: enrol a user through the API, with an Authenticator
// (src/testing) producing the codes the way an authenticator app does.
import { Authenticator } from '../src/testing/index.js';
import { PASSWORD, registerAndLogin, type Api } from './harness.js';

export { Authenticator };

export interface EnrolledUser {
  email: string;
  userId: string;
  access: string;
  refresh: string;
  app: Authenticator;
  recoveryCodes: string[];
}

/** Turns TOTP on for the holder of `access` (start + confirm): their authenticator and recovery codes. */
export async function enrol(api: Api, access: string, ua?: string): Promise<{ app: Authenticator; recoveryCodes: string[] }> {
  const start = await api.call('POST', '/api/v1/auth/mfa/totp', { token: access, body: { password: PASSWORD }, ...(ua ? { ua } : {}) });
  if (start.status !== 200) throw new Error(`enrol failed: ${start.status} ${start.text}`);
  const app = Authenticator.fromUri(start.body.otpauthUri);
  const confirm = await api.call('POST', '/api/v1/auth/mfa/totp/confirm', { token: access, body: { code: await app.code() }, ...(ua ? { ua } : {}) });
  if (confirm.status !== 200) throw new Error(`confirm failed: ${confirm.status} ${confirm.text}`);
  return { app, recoveryCodes: confirm.body.recoveryCodes };
}

/** Registers, logs in with `ua`, enrols TOTP and confirms it: MFA on, `ua` the one known device. */
export async function enrolledUser(api: Api, ua?: string): Promise<EnrolledUser> {
  const user = await registerAndLogin(api, ua ? { ua } : {});
  const { app, recoveryCodes } = await enrol(api, user.access, ua);
  return { email: user.email, userId: user.userId, access: user.access, refresh: user.refresh, app, recoveryCodes };
}

export function loginAs(api: Api, email: string, options: { ua?: string; country?: string; ip?: string; password?: string } = {}) {
  return api.call('POST', '/api/v1/auth/login', {
    body: { email, password: options.password ?? PASSWORD },
    ...(options.ua ? { ua: options.ua } : {}),
    ...(options.ip ? { ip: options.ip } : {}),
    headers: options.country ? { 'x-country-code': options.country } : {},
  });
}

export function loginMfa(api: Api, ticket: string, code: string, options: { ua?: string; country?: string; ip?: string } = {}) {
  return api.call('POST', '/api/v1/auth/login/mfa', {
    body: { mfa_ticket: ticket, code },
    ...(options.ua ? { ua: options.ua } : {}),
    ...(options.ip ? { ip: options.ip } : {}),
    headers: options.country ? { 'x-country-code': options.country } : {},
  });
}

/** The payload of a JWT, unverified (the tests only read claims the server already checked). */
export function claimsOf(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}
