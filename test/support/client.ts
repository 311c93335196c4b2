import { TokenPairResponse } from '@tessera/contracts';

/** A small HTTP client for tests: JSON in and out, with a fixed User-Agent per "device". */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64) tessera-test',
  ) {}

  async call(method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'user-agent': this.userAgent,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  async register(email: string, password: string): Promise<{ id: string }> {
    const res = await this.call('POST', '/api/v1/users', { body: { email, password } });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async login(email: string, password: string, scopes?: string[]): Promise<TokenPairResponse> {
    const res = await this.call('POST', '/api/v1/auth/login', { body: { email, password, ...(scopes ? { scopes } : {}) } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return TokenPairResponse.parse(res.body);
  }
}
