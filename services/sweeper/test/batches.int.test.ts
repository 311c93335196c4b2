import { randomUUID } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createDatabase, migrateToLatest, provisionStreams, Topology, type Database } from '@tessera/platform';
import { testDatabaseUrl, testNatsUrl, uniqueName, uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../src/migrations/index.js';
import { applyScheduleChanges } from '../src/schedule/apply.js';
import type { ScheduleChange } from '../src/schedule/decide.js';
import type { NewScheduledToken, SweeperDatabase } from '../src/schedule/tables.js';
import { tokenExpired } from '../src/sweep/announcements.js';
import { sweepExpiredBatch, sweepWarningBatch } from '../src/sweep/batches.js';
import { purgeTombstones, sweepLagSeconds } from '../src/sweep/maintenance.js';
import { PipelinedPublisher } from '../src/sweep/publisher.js';

/*
 * The batch operations against the real Postgres and JetStream, without the service around them.
 */
let database: Database<SweeperDatabase>;
let nc: NatsConnection;
let jsm: JetStreamManager;
const topology = new Topology({ namespace: `swb${uniqueSuffix()}`, eventsMaxAgeMs: 3_600_000 });
const NOW = Date.now();

beforeAll(async () => {
  database = createDatabase<SweeperDatabase>({ url: testDatabaseUrl(), schema: uniqueName('t_sweeper_batches'), poolMax: 6 });
  await migrateToLatest(database.db, database.schema, migrations);
  nc = await connect({ servers: testNatsUrl() });
  jsm = await jetstreamManager(nc);
  await provisionStreams(nc, topology);
  sharedPublisher = new PipelinedPublisher(nc, { stream: topology.streams.tokenEvents.name });
});

afterAll(async () => {
  for (const s of Object.values(topology.streams)) await jsm.streams.delete(s.name).catch(() => {});
  await database.pool.query(`drop schema if exists ${database.schema} cascade`);
  await database.close();
  await nc.close();
});

beforeEach(async () => {
  await database.db.deleteFrom('expiry_schedule').execute();
  await database.db.deleteFrom('revoked_token').execute();
  await database.db.deleteFrom('user_cutoff').execute();
  await jsm.streams.purge(topology.streams.tokenEvents.name);
});

function row(expiresInMs: number, extra: Partial<NewScheduledToken> = {}): NewScheduledToken {
  return {
    token_id: randomUUID(),
    user_id: randomUUID(),
    family_id: randomUUID(),
    token_type: 'ACCESS',
    issued_at: new Date(NOW - 3_600_000),
    expires_at: new Date(NOW + expiresInMs),
    ...extra,
  };
}

async function insert(rows: NewScheduledToken[]): Promise<void> {
  await database.db.insertInto('expiry_schedule').values(rows).execute();
}

const remaining = async () => (await database.db.selectFrom('expiry_schedule').select('token_id').execute()).map((r) => r.token_id).sort();
const storedExpired = async () => {
  const info = await jsm.streams.info(topology.streams.tokenEvents.name, { subjects_filter: topology.tokenEventSubject('TokenExpired', randomUUID()).replace(/[^.]+$/, '*') });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
};
let sharedPublisher: PipelinedPublisher;
const publisher = () => sharedPublisher;
const at = (ms: number) => ({ now: new Date(ms), limit: 100 });

describe('sweepExpiredBatch', () => {
  it('takes due rows only, oldest first, up to the limit; publishes then deletes them', async () => {
    const due = [row(-3_000), row(-1_000), row(-2_000), row(0)];
    const later = [row(60_000)];
    await insert([...due, ...later]);

    const first = await sweepExpiredBatch(database.db, publisher(), topology, { now: new Date(NOW), limit: 2 });
    expect(first).toEqual({ taken: 2, emitted: 2, duplicates: 0 });
    // The two oldest went first.
    expect(await remaining()).toEqual([due[1]!, due[3]!, later[0]!].map((r) => r.token_id).sort());

    const second = await sweepExpiredBatch(database.db, publisher(), topology, at(NOW));
    expect(second).toEqual({ taken: 2, emitted: 2, duplicates: 0 });
    expect(await remaining()).toEqual([later[0]!.token_id]);
    expect(await storedExpired()).toBe(4);
  });

  it('rolls back when a publish fails: the rows stay for the next sweep', async () => {
    await insert([row(-1_000), row(-500)]);
    const nowhere = new Topology({ namespace: `missing${uniqueSuffix()}`, eventsMaxAgeMs: 3_600_000 });
    await expect(sweepExpiredBatch(database.db, publisher(), nowhere, at(NOW))).rejects.toMatchObject({ code: 'ERR_PUBLISH_NO_STREAM' });
    expect(await remaining()).toHaveLength(2);

    expect(await sweepExpiredBatch(database.db, publisher(), topology, at(NOW))).toMatchObject({ taken: 2, emitted: 2 });
    expect(await remaining()).toEqual([]);
  });

  it('a batch republished after a lost commit is dropped by the stream (same msgIds)', async () => {
    const rows = [row(-1_000), row(-900), row(-800)];
    await insert(rows);
    // A previous sweeper published these and died before committing its deletion.
    const fromDb = await database.db.selectFrom('expiry_schedule').selectAll().execute();
    await publisher().publishAll(fromDb.map((r) => tokenExpired(r, topology)));

    expect(await sweepExpiredBatch(database.db, publisher(), topology, at(NOW))).toEqual({ taken: 3, emitted: 0, duplicates: 3 });
    expect(await storedExpired()).toBe(3);
  });

  it('concurrent batches take disjoint rows (FOR UPDATE SKIP LOCKED)', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(-i));
    await insert(rows);
    const outcomes = await Promise.all([0, 1, 2].map(() => sweepExpiredBatch(database.db, publisher(), topology, at(NOW))));
    const taken = outcomes.reduce((n, o) => n + o.taken, 0);
    const emitted = outcomes.reduce((n, o) => n + o.emitted, 0);
    expect(outcomes.reduce((n, o) => n + o.duplicates, 0)).toBe(0);
    expect(emitted).toBe(taken);
    // Whatever one batch skipped is still there for the next.
    while ((await remaining()).length > 0) await sweepExpiredBatch(database.db, publisher(), topology, at(NOW));
    expect(await storedExpired()).toBe(300);
  });
});

describe('sweepLagSeconds', () => {
  it('is 0 when nothing is due and now − oldest due expiry otherwise', async () => {
    await insert([row(60_000)]);
    expect(await sweepLagSeconds(database.db, new Date(NOW))).toBe(0);
    await insert([row(-30_000), row(-10_000)]);
    expect(await sweepLagSeconds(database.db, new Date(NOW))).toBe(30);
  });
});

describe('sweepWarningBatch', () => {
  it('warns due refresh tokens that have not expired, once', async () => {
    const due = row(60_000, { token_type: 'REFRESH', warn_at: new Date(NOW - 1) });
    const notYet = row(60_000, { token_type: 'REFRESH', warn_at: new Date(NOW + 1_000) });
    const alreadyExpired = row(-1, { token_type: 'REFRESH', warn_at: new Date(NOW - 5_000) });
    const noWarning = row(60_000);
    await insert([due, notYet, alreadyExpired, noWarning]);

    expect(await sweepWarningBatch(database.db, publisher(), topology, at(NOW))).toEqual({ taken: 1, emitted: 1, duplicates: 0 });
    expect(await sweepWarningBatch(database.db, publisher(), topology, at(NOW))).toEqual({ taken: 0, emitted: 0, duplicates: 0 });
    const warned = await database.db.selectFrom('expiry_schedule').select(['token_id', 'warned']).where('warned', '=', true).execute();
    expect(warned.map((w) => w.token_id)).toEqual([due.token_id]);
    // Warned rows still expire.
    expect(await remaining()).toContain(due.token_id);
  });
});

describe('applyScheduleChanges', () => {
  const userId = randomUUID();
  const schedule = (tokenId: string, issuedAt: string): ScheduleChange => ({
    kind: 'schedule',
    tokenId,
    userId,
    familyId: randomUUID(),
    tokenType: 'ACCESS',
    issuedAt,
    expiresAt: new Date(NOW + 60_000).toISOString(),
    warnAt: null,
  });

  it('is idempotent: the same changes applied twice leave the same schedule', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const changes: ScheduleChange[] = [
      schedule(a, new Date(NOW - 10).toISOString()),
      schedule(b, new Date(NOW).toISOString()),
      { kind: 'cutoff', userId, notBefore: new Date(NOW).toISOString() },
    ];
    await database.db.transaction().execute((trx) => applyScheduleChanges(trx, changes));
    const once = await remaining();
    await database.db.transaction().execute((trx) => applyScheduleChanges(trx, changes));
    expect(await remaining()).toEqual(once);
    expect(once).toEqual([b]);
  });

  it('gives the same schedule whichever order an issue and its revocation arrive in', async () => {
    const t1 = randomUUID();
    const t2 = randomUUID();
    const expiresAt = new Date(NOW + 60_000).toISOString();
    await database.db.transaction().execute((trx) =>
      applyScheduleChanges(trx, [schedule(t1, new Date(NOW).toISOString()), { kind: 'unschedule', tokenId: t1, expiresAt }]),
    );
    await database.db.transaction().execute((trx) =>
      applyScheduleChanges(trx, [{ kind: 'unschedule', tokenId: t2, expiresAt }, schedule(t2, new Date(NOW).toISOString())]),
    );
    expect(await remaining()).toEqual([]);
  });

  it('keeps the latest cutoff when an older one arrives afterwards', async () => {
    await database.db.transaction().execute((trx) =>
      applyScheduleChanges(trx, [
        { kind: 'cutoff', userId, notBefore: new Date(NOW).toISOString() },
        { kind: 'cutoff', userId, notBefore: new Date(NOW - 60_000).toISOString() },
        schedule(randomUUID(), new Date(NOW - 1).toISOString()),
      ]),
    );
    expect(await remaining()).toEqual([]);
  });
});

describe('purgeTombstones', () => {
  it('drops tombstones older than the horizons and keeps the rest', async () => {
    await database.db
      .insertInto('revoked_token')
      .values([
        { token_id: randomUUID(), expires_at: new Date(NOW - 7_200_000) },
        { token_id: randomUUID(), expires_at: new Date(NOW) },
      ])
      .execute();
    await database.db
      .insertInto('user_cutoff')
      .values([
        { user_id: randomUUID(), not_before: new Date(NOW - 40 * 86_400_000) },
        { user_id: randomUUID(), not_before: new Date(NOW - 86_400_000) },
      ])
      .execute();
    const purged = await purgeTombstones(database.db, {
      revokedExpiredBefore: new Date(NOW - 3_600_000),
      cutoffsBefore: new Date(NOW - 30 * 86_400_000),
      limit: 100,
    });
    expect(purged).toBe(2);
    expect(await database.db.selectFrom('revoked_token').select('expires_at').execute()).toEqual([{ expires_at: new Date(NOW) }]);
    expect(await database.db.selectFrom('user_cutoff').select('not_before').execute()).toEqual([{ not_before: new Date(NOW - 86_400_000) }]);
  });
});
