import { AuditConfig, startAudit } from '@tessera/audit';
import { loadConfig, type RunningService } from '@tessera/platform';
import { captureLogger, queryTestDatabase, startNatsServer, testDatabaseUrl, uniqueName, waitFor, type OwnNatsServer } from '@tessera/platform/testing';
import { RevocationConfig, startRevocation } from '@tessera/revocation';
import { startTokenApi, TokenApiConfig } from '@tessera/token-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * DESIGN §2: token-api keeps accepting work while NATS is down (its outbox holds the events), so
 * it stays ready; a consumer cannot do its work and reports not ready. Checked on the real
 * services, against a private nats-server this test stops and restarts.
 */
let nats: OwnNatsServer;
const services: RunningService[] = [];
const schemas = { token: uniqueName('t_ready_api'), audit: uniqueName('t_ready_audit') };

beforeAll(async () => {
  nats = await startNatsServer();
  const env = { PORT: '0', HOST: '127.0.0.1', NATS_URL: nats.url, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'silent' };
  const { logger } = captureLogger();
  services.push(
    await startTokenApi(loadConfig(TokenApiConfig, { ...env, DATABASE_SCHEMA: schemas.token }), logger),
    await startAudit(loadConfig(AuditConfig, { ...env, DATABASE_SCHEMA: schemas.audit }), logger),
    await startRevocation(loadConfig(RevocationConfig, env), logger),
  );
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await nats?.dispose();
  for (const schema of Object.values(schemas)) await queryTestDatabase(`drop schema if exists ${schema} cascade`);
});

const ready = async (s: RunningService) => (await fetch(`http://127.0.0.1:${s.port}/health/ready`)).status;

describe('readiness without NATS', () => {
  it('keeps token-api ready and takes the consumers out of rotation until NATS returns', async () => {
    const [tokenApi, audit, revocation] = services as [RunningService, RunningService, RunningService];
    await waitFor(async () => (await Promise.all(services.map(ready))).every((s) => s === 200), { what: 'all ready', timeoutMs: 20_000 });

    await nats.stop();
    await waitFor(async () => (await ready(audit)) === 503, { what: 'audit not ready' });
    expect(await ready(revocation)).toBe(503);
    expect(await ready(tokenApi)).toBe(200);
    const health = (await (await fetch(`http://127.0.0.1:${tokenApi.port}/health`)).json()) as { checks: Record<string, { status: string }> };
    expect(health.checks.nats?.status).toBe('DOWN');

    await nats.start();
    await waitFor(async () => (await Promise.all(services.map(ready))).every((s) => s === 200), { what: 'all ready again', timeoutMs: 20_000 });
  });
});
