import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest, runService, type RunningService } from '../src/index.js';
import { captureLogger, startNatsServer, startPostgresServer, uniqueName, waitFor, type OwnNatsServer, type OwnPostgresServer } from '../src/testing/index.js';

/*
 * These tests stop and start servers, so they run their own nats-server and PostgreSQL cluster on
 * free ports, never the machine's shared ones.
 */
let nats: OwnNatsServer;
let postgres: OwnPostgresServer;
const migrations = {
  '2026_11_22_0001_widgets': {
    up: async (db: Kysely<any>) => {
      await db.schema.createTable('widgets').addColumn('id', 'integer', (c) => c.primaryKey()).execute();
    },
  },
};

beforeAll(async () => {
  [nats, postgres] = await Promise.all([startNatsServer(), startPostgresServer()]);
});
afterAll(async () => {
  await Promise.all([nats?.dispose(), postgres?.dispose()]);
});

async function boot(natsRequiredForReadiness: boolean): Promise<RunningService> {
  return runService({
    name: 'health-test',
    logger: captureLogger().logger,
    port: 0,
    host: '127.0.0.1',
    natsUrl: nats.url,
    natsRequiredForReadiness,
    database: { url: postgres.url, schema: uniqueName('svc'), migrations },
    build: () => ({}),
  });
}

const health = async (service: RunningService, path: string) => {
  const res = await fetch(`http://127.0.0.1:${service.port}${path}`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { status: string }> } };
};

describe('health follows the dependencies and each service policy', () => {
  it('names NATS DOWN while it is unreachable and UP when it returns', async () => {
    const consumerLike = await boot(true);
    const apiLike = await boot(false);
    try {
      await waitFor(async () => (await health(consumerLike, '/health')).body.status === 'UP', { what: 'all UP' });

      await nats.stop();
      const down = await waitFor(async () => {
        const h = await health(consumerLike, '/health');
        return h.body.checks.nats?.status === 'DOWN' ? h : null;
      }, { what: 'nats DOWN' });
      expect(down.status).toBe(503);
      expect(down.body.checks.postgres?.status).toBe('UP');
      // A consumer cannot work without NATS; an API with an outbox can.
      expect((await health(consumerLike, '/health/ready')).status).toBe(503);
      expect((await health(apiLike, '/health/ready')).status).toBe(200);
      expect((await health(apiLike, '/health/live')).status).toBe(200);

      await nats.start();
      await waitFor(async () => (await health(consumerLike, '/health')).body.checks.nats?.status === 'UP', { what: 'nats UP again', timeoutMs: 15_000 });
      expect((await health(consumerLike, '/health/ready')).status).toBe(200);
    } finally {
      await consumerLike.stop();
      await apiLike.stop();
    }
  });

  it('names Postgres DOWN while it is unreachable and UP when it returns', async () => {
    const service = await boot(false);
    try {
      await waitFor(async () => (await health(service, '/health')).body.status === 'UP', { what: 'all UP' });
      await postgres.stop('immediate');
      const down = await health(service, '/health');
      expect(down.status).toBe(503);
      expect(down.body.checks.postgres?.status).toBe('DOWN');
      expect((await health(service, '/health/ready')).status).toBe(503);
      await postgres.start();
      await waitFor(async () => (await health(service, '/health')).body.status === 'UP', { what: 'postgres UP again', timeoutMs: 15_000 });
    } finally {
      await service.stop();
    }
  });
});

describe('migrations', () => {
  it('are safe when several replicas start at once, and apply once', async () => {
    const schema = uniqueName('race');
    const dbs = Array.from({ length: 4 }, () => createDatabase<any>({ url: postgres.url, schema }));
    try {
      const applied = await Promise.all(dbs.map((d) => migrateToLatest(d.db, schema, migrations)));
      expect(applied.flat()).toEqual(['2026_11_22_0001_widgets']);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(dbs[0]!.db);
      expect(rows[0]?.n).toBe(1);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
