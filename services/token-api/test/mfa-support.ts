// Helpers for the MFA integration tests: enrol a user through the API and produce TOTP codes the
// way an authenticator app does, from the secret the enrollment returned. Codes are taken for
// the current step or the next one, each step once (the server refuses a replay), waiting for
// the clock when a test has used both.
import { Secret } from 'otpauth';
import { setTimeout as sleep } from 'node:timers/promises';
import { stepAt, totpCode } from '../src/mfa/totp.js';
import { PASSWORD, registerAndLogin, type Api } from './harness.js';

export class Authenticator {
  private lastStep = -1;
  constructor(readonly secret: Buffer) {}

  static fromUri(uri: string): Authenticator {
    const base32 = new URL(uri).searchParams.get('secret');
    if (!base32) throw new Error(`no secret in ${uri}`);
    return new Authenticator(Buffer.from(Secret.fromBase32(base32).bytes));
  }

  /** A code the server has not seen yet: the current step's, else the next one's, else wait. */
  async code(): Promise<string> {
    for (;;) {
      const current = stepAt(Date.now());
      const step = Math.max(this.lastStep + 1, current);
      if (step <= current + 1) {
        this.lastStep = step;
        return totpCode(this.secret, step);
      }
      await sleep((current + 1) * 30_000 - Date.now() + 50);
    }
  }

  /** The code of the step last handed out (to replay it). */
  lastCode(): string {
    return totpCode(this.secret, this.lastStep);
  }

  /** A code for none of the steps the server accepts now. */
  wrongCode(): string {
    const current = stepAt(Date.now());
    const accepted = new Set([current - 1, current, current + 1, current + 2].map((s) => totpCode(this.secret, s)));
    for (let n = 0; ; n++) {
      const candidate = String((Number(totpCode(this.secret, current)) + 1 + n * 7919) % 1_000_000).padStart(6, '0');
      if (!accepted.has(candidate)) return candidate;
    }
  }
}

export interface EnrolledUser {
  email: string;
  userId: string;
  access: string;
  refresh: string;
  app: Authenticator;
  recoveryCodes: string[];
}

/** Registers, logs in with `ua`, enrols TOTP and confirms it: MFA on, `ua` the one known device. */
export async function enrolledUser(api: Api, ua?: string): Promise<EnrolledUser> {
  const user = await registerAndLogin(api, ua ? { ua } : {});
  const start = await api.call('POST', '/api/v1/auth/mfa/totp', { token: user.access, body: { password: PASSWORD }, ...(ua ? { ua } : {}) });
  if (start.status !== 200) throw new Error(`enrol failed: ${start.status} ${start.text}`);
  const app = Authenticator.fromUri(start.body.otpauthUri);
  const confirm = await api.call('POST', '/api/v1/auth/mfa/totp/confirm', { token: user.access, body: { code: await app.code() }, ...(ua ? { ua } : {}) });
  if (confirm.status !== 200) throw new Error(`confirm failed: ${confirm.status} ${confirm.text}`);
  return { email: user.email, userId: user.userId, access: user.access, refresh: user.refresh, app, recoveryCodes: confirm.body.recoveryCodes };
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
