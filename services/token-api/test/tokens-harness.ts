// Set-up for the token-management and OAuth integration tests: token-api in-process with the
// revocation service beside it (same NATS namespace, JWKS from token-api), so the verifier's
// revocation mirror is live, plus an admin, sessions and a second replica when a test needs one.
import { createLogger, loadConfig, type RunningService } from '@tessera/platform';
import { deleteNatsNamespace, testNatsUrl, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { RevocationConfig, startRevocation } from '@tessera/revocation';
import { PASSWORD, PHONE_UA, dropSchema, startApi, type Api } from './harness.js';

export const CLIENT = { id: 'resource-server', secret: 'a-long-enough-service-secret-1' };
export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export interface TokenSystem {
  api: Api;
  admin: { email: string; userId: string; access: string };
  revocation: RunningService;
  /** Another token-api replica on the same schema and namespace. */
  replica(env?: Record<string, string>): Promise<Api>;
  stop(): Promise<void>;
}

export async function startTokenSystem(env: Record<string, string> = {}): Promise<TokenSystem> {
  const adminEmail = `admin-${uniqueSuffix()}@example.com`;
  const base = { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: PASSWORD, INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret}`, LAST_USED_FLUSH_MS: '200', ...env };
  const api = await startApi(base);
  const replicas: Api[] = [];
  let revocation: RunningService | undefined;
  try {
    revocation = await startRevocation(
      loadConfig(RevocationConfig, { PORT: '0', HOST: '127.0.0.1', NATS_URL: testNatsUrl(), NATS_NAMESPACE: api.config.NATS_NAMESPACE, JWKS_URL: `${api.url}/.well-known/jwks.json`, LOG_LEVEL: 'silent' }),
      createLogger({ service: 'revocation-test', level: 'silent' }),
    );
    await mirrorCurrent(api);
    const login = await api.call('POST', '/api/v1/auth/login', { body: { email: adminEmail, password: PASSWORD, scopes: ['READ_TOKENS', 'ADMIN_TOKENS', 'ADMIN_USERS'] } });
    if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
    const [row] = await api.sql('select id from $schema.users where email = $1', [adminEmail]);
    return {
      api,
      revocation,
      admin: { email: adminEmail, userId: row!.id as string, access: login.body.access_token as string },
      async replica(extra = {}) {
        const other = await startApi({ ...base, ...extra, ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: PASSWORD }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
        replicas.push(other);
        await mirrorCurrent(other);
        return other;
      },
      async stop() {
        for (const r of replicas) await r.stop();
        await revocation?.stop();
        await api.stop();
        await dropSchema(api);
        await deleteNatsNamespace(api.config.NATS_NAMESPACE).catch(() => undefined);
      },
    };
  } catch (error) {
    await revocation?.stop();
    await api.stop();
    await dropSchema(api);
    throw error;
  }
}

/** token-api reads revocations from the bucket mirror (not its database fallback). */
export async function mirrorCurrent(api: Api): Promise<void> {
  await waitFor(
    async () => {
      const health = await api.call('GET', '/health');
      return health.body?.checks?.revocation_state?.detail?.source === 'mirror' ? true : null;
    },
    { what: 'token-api revocation mirror current', timeoutMs: 20_000 },
  );
}

export async function login(api: Api, email: string, options: { ua?: string; scopes?: string[]; ip?: string } = {}) {
  const res = await api.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD, ...(options.scopes ? { scopes: options.scopes } : {}) }, ua: options.ua, ip: options.ip });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
}

/** POST /oauth2/introspect as the configured service client, form-encoded. */
export async function introspect(api: Api, token: string, options: { hint?: string; authorization?: string; json?: boolean } = {}) {
  const params = { token, ...(options.hint ? { token_type_hint: options.hint } : {}) };
  const res = await fetch(`${api.url}/oauth2/introspect`, {
    method: 'POST',
    // A bearer caller's token is bound to the User-Agent it was issued to (PHONE_UA in these tests).
    headers: { 'user-agent': PHONE_UA, authorization: options.authorization ?? basic(CLIENT.id, CLIENT.secret), 'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: options.json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
}

export async function metric(api: Api, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
