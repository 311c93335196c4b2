import { TokenPairResponse } from '@tessera/contracts';
import { serviceUrls, type CliSettings, type ServiceName } from './settings.js';

export const CLI_USER_AGENT = 'tessera-cli/1';
const ADMIN_SCOPES = ['ADMIN_TOKENS', 'ADMIN_USERS', 'ADMIN_SYSTEM'];

export class CliError extends Error {}

/**
 * Calls the services' admin endpoints as an operator. The token comes from TESSERA_ADMIN_TOKEN,
 * or from a login with TESSERA_ADMIN_EMAIL / TESSERA_ADMIN_PASSWORD (the token is then bound to
 * this CLI's User-Agent, like any other device, and lives 15 minutes).
 */
export class AdminClient {
  private token: string | null;

  constructor(private readonly settings: CliSettings & { TESSERA_ADMIN_EMAIL?: string; TESSERA_ADMIN_PASSWORD?: string }) {
    this.token = settings.TESSERA_ADMIN_TOKEN ?? null;
  }

  private async bearer(): Promise<string> {
    if (this.token) return this.token;
    const { TESSERA_ADMIN_EMAIL: email, TESSERA_ADMIN_PASSWORD: password } = this.settings;
    if (!email || !password) throw new CliError('this command needs an admin: set TESSERA_ADMIN_TOKEN, or TESSERA_ADMIN_EMAIL and TESSERA_ADMIN_PASSWORD');
    const res = await this.request('token-api', 'POST', '/api/v1/auth/login', { body: { email, password, scopes: ADMIN_SCOPES }, anonymous: true });
    this.token = TokenPairResponse.parse(res).access_token;
    return this.token;
  }

  async request(service: ServiceName, method: string, path: string, options: { body?: unknown; anonymous?: boolean } = {}): Promise<any> {
    const url = `${serviceUrls(this.settings)[service]}${path}`;
    const headers: Record<string, string> = { 'user-agent': CLI_USER_AGENT, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (!options.anonymous) headers.authorization = `Bearer ${await this.bearer()}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      throw new CliError(`${service} is not answering at ${url}: ${(error as Error).message}`);
    }
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (!res.ok) throw new CliError(`${method} ${path} → ${res.status} ${body?.code ?? ''}: ${body?.detail ?? text}`);
    return body;
  }
}
