import { MfaRequiredProblem, StepUpResponse, TokenPairResponse } from '@tessera/contracts';
import { serviceUrls, type CliSettings, type ServiceName } from './settings.js';

export const CLI_USER_AGENT = 'tessera-cli/1';
const ADMIN_SCOPES = ['ADMIN_TOKENS', 'ADMIN_USERS', 'ADMIN_SYSTEM'];

export class CliError extends Error {}

/** One admin call's answer, before the CLI decides whether it failed. */
interface Answer {
  status: number;
  body: any;
  text: string;
}

/**
 * Calls the services' admin endpoints as an operator. The token comes from TESSERA_ADMIN_TOKEN,
 * or from a login with TESSERA_ADMIN_EMAIL / TESSERA_ADMIN_PASSWORD (the token is then bound to
 * this CLI's User-Agent, like any other device, and lives 15 minutes). An admin with two-step
 * sign-in gives TESSERA_ADMIN_OTP, a current code: it completes a login that asks for it, and
 * otherwise steps the session up, so calls that need a recent second factor pass.
 */
export class AdminClient {
  private token: string | null;

  constructor(private readonly settings: CliSettings & { TESSERA_ADMIN_EMAIL?: string; TESSERA_ADMIN_PASSWORD?: string; TESSERA_ADMIN_OTP?: string }) {
    this.token = settings.TESSERA_ADMIN_TOKEN ?? null;
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    this.token = await this.login();
    return this.token;
  }

  private async login(): Promise<string> {
    const { TESSERA_ADMIN_EMAIL: email, TESSERA_ADMIN_PASSWORD: password, TESSERA_ADMIN_OTP: code } = this.settings;
    if (!email || !password) throw new CliError('this command needs an admin: set TESSERA_ADMIN_TOKEN, or TESSERA_ADMIN_EMAIL and TESSERA_ADMIN_PASSWORD');
    const path = '/api/v1/auth/login';
    const answer = await this.send('token-api', 'POST', path, { body: { email, password, scopes: ADMIN_SCOPES }, anonymous: true });
    const challenge = MfaRequiredProblem.safeParse(answer.body);
    if (answer.status === 401 && challenge.success) {
      if (!code) throw new CliError('this admin has two-step sign-in on: set TESSERA_ADMIN_OTP to a current code from the authenticator app (or use TESSERA_ADMIN_TOKEN)');
      const pair = await this.request('token-api', 'POST', '/api/v1/auth/login/mfa', { body: { mfa_ticket: challenge.data.mfa_ticket, code }, anonymous: true });
      return TokenPairResponse.parse(pair).access_token;
    }
    const access = TokenPairResponse.parse(this.checked('POST', path, answer)).access_token;
    if (!code) return access;
    // A known device is not asked for the code at login; the code then steps the session up.
    const stepped = await this.request('token-api', 'POST', '/api/v1/auth/mfa/step-up', { body: { code }, token: access });
    return StepUpResponse.parse(stepped).access_token;
  }

  async request(service: ServiceName, method: string, path: string, options: { body?: unknown; anonymous?: boolean; token?: string } = {}): Promise<any> {
    return this.checked(method, path, await this.send(service, method, path, options));
  }

  private checked(method: string, path: string, answer: Answer): any {
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    const hint = answer.body?.code === 'insufficient_user_authentication' ? ' (set TESSERA_ADMIN_OTP to a current code from your authenticator app)' : '';
    throw new CliError(`${method} ${path} → ${answer.status} ${answer.body?.code ?? ''}: ${answer.body?.detail ?? answer.text}${hint}`);
  }

  private async send(service: ServiceName, method: string, path: string, options: { body?: unknown; anonymous?: boolean; token?: string }): Promise<Answer> {
    const url = `${serviceUrls(this.settings)[service]}${path}`;
    const headers: Record<string, string> = { 'user-agent': CLI_USER_AGENT, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (!options.anonymous) headers.authorization = `Bearer ${options.token ?? (await this.bearer())}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new CliError(`${service} is not answering at ${url}: ${(error as Error).message}`);
    }
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: res.status, body, text };
  }
}
