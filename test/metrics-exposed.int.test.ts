import { readFileSync } from 'node:fs';
import { uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from './support/client.js';
import { startSystem, type ServiceName, type TestSystem } from './support/system.js';

/*
 * Issue 9: every metric the dashboards and alert rules query (the catalogue in
 * deploy/metrics.json, which test/deploy checks them against) is exposed by the service the
 * catalogue names, on its /metrics, in a running system.
 */
interface CatalogueEntry {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  owner: string;
}
const catalogue = (JSON.parse(readFileSync(new URL('../deploy/metrics.json', import.meta.url), 'utf8')) as { metrics: CatalogueEntry[] }).metrics;
const ALL: ServiceName[] = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'];

/** "every service", "every service with a database (token-api, audit, sweeper)", or one name. */
function owners(owner: string): ServiceName[] {
  const listed = /\(([^)]+)\)/.exec(owner)?.[1];
  if (listed) return listed.split(',').map((s) => s.trim()) as ServiceName[];
  if (owner === 'every service') return ALL;
  return [owner as ServiceName];
}

let system: TestSystem;
beforeAll(async () => {
  system = await startSystem();
  // A little traffic, so nothing depends on a metric being created lazily.
  const api = new ApiClient(system.url['token-api']);
  const email = `metrics-${uniqueSuffix()}@example.com`;
  await api.register(email, 'correct horse battery');
  const pair = await api.login(email, 'correct horse battery');
  await api.call('POST', '/api/v1/auth/logout', { token: pair.access_token });
});
afterAll(() => system?.stop());

it('exposes every catalogued metric on the service that owns it', async () => {
  const scraped = Object.fromEntries(await Promise.all(ALL.map(async (name) => [name, await (await fetch(`${system.url[name]}/metrics`)).text()] as const)));
  const missing: string[] = [];
  for (const metric of catalogue) {
    for (const service of owners(metric.owner)) {
      expect(ALL, `owner of ${metric.name}`).toContain(service);
      if (!scraped[service]!.includes(`# TYPE ${metric.name} ${metric.type}`)) missing.push(`${metric.name} (${metric.type}) on ${service}`);
    }
  }
  expect(missing).toEqual([]);
});
