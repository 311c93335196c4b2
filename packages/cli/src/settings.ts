import { z } from 'zod';

const SERVICES = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'] as const;
export type ServiceName = (typeof SERVICES)[number];
const DEFAULT_PORTS: Record<ServiceName, number> = { 'token-api': 9101, revocation: 9102, notifier: 9103, audit: 9104, sweeper: 9105 };

/** Where the CLI finds the system: the same variables the services read, plus service URLs. */
export const CliSettings = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  NATS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{0,32}$/).default(''),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
  /** Comma-separated `name=url` overrides, e.g. `token-api=http://10.0.0.5:9101`. */
  TESSERA_SERVICE_URLS: z.string().default(''),
  /** Bearer token with admin scopes, for commands that call admin endpoints. */
  TESSERA_ADMIN_TOKEN: z.string().optional(),
});
export type CliSettings = z.infer<typeof CliSettings>;

export function serviceUrls(settings: CliSettings): Record<ServiceName, string> {
  const urls = Object.fromEntries(SERVICES.map((s) => [s, `http://127.0.0.1:${DEFAULT_PORTS[s]}`])) as Record<ServiceName, string>;
  for (const pair of settings.TESSERA_SERVICE_URLS.split(',').filter(Boolean)) {
    const [name, url] = pair.split('=');
    if (!name || !url || !(SERVICES as readonly string[]).includes(name)) throw new Error(`TESSERA_SERVICE_URLS: cannot read ${JSON.stringify(pair)} (expected name=url with name one of ${SERVICES.join(', ')})`);
    urls[name as ServiceName] = url.replace(/\/$/, '');
  }
  return urls;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): CliSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return CliSettings.parse(cleaned);
}
