import { createDatabase, type Database } from '@tessera/platform';
import { freePort, testDatabaseUrl, waitFor } from '@tessera/platform/testing';
import { randomUUID } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenApiDatabase } from '../src/db/schema.js';
import { runRetentionPass } from '../src/retention/pass.js';
import { compilePurgeBatch, purgeBatch } from '../src/retention/purge.js';
import { dropSchema, startApi, type Api } from './harness.js';

/*
 * Retention against the real PostgreSQL: which rows go, in batches, without waiting on locked
 * rows, shared by replicas; and the service's own loop. Passes are driven directly here (the
 * service started for the schema runs its loop once at start and then only hourly).
 */
const DAY = 86_400_000;
const RETENTION_MS = 30 * DAY;
let api: Api;
let database: Database<TokenApiDatabase>;

beforeAll(async () => {
  // No NATS (a port nothing listens on): the outbox relay must not publish the fixture events.
  api = await startApi({ RETENTION_INTERVAL_MS: '3600000', NATS_URL: `nats://127.0.0.1:${await freePort()}` });
  // Its start-up pass must be over before fixtures go in, or it would race the assertions.
  await waitFor(async () => /^token_retention_last_success_timestamp_seconds(\{[^}]*\})? [1-9]/m.test((await api.call('GET', '/metrics')).text), { what: 'the start-up pass' });
  database = createDatabase<TokenApiDatabase>({ url: testDatabaseUrl(), schema: api.config.DATABASE_SCHEMA, poolMax: 4 });
});
afterAll(async () => {
  await database?.close();
  await api?.stop();
  if (api) await dropSchema(api);
});

async function newUser(db = database.db): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into users (id, email, password_hash, role, created_at, updated_at)
    values (gen_random_uuid(), ${`r-${randomUUID()}@example.com`}, 'x', 'user', now(), now()) returning id`.execute(db);
  return rows[0]!.id;
}

interface TokenFixture {
  type?: 'ACCESS' | 'REFRESH';
  status: 'ACTIVE' | 'EXPIRED' | 'REVOKED';
  expiresAt: number;
  revokedAt?: number;
  reason?: string;
}

async function insertTokens(userId: string, count: number, t: TokenFixture, db = database.db): Promise<string[]> {
  const revokedAt = t.revokedAt === undefined ? null : new Date(t.revokedAt);
  const { rows } = await sql<{ id: string }>`
    insert into auth_tokens (id, user_id, email, token_hash, token_type, status, family_id, parent_token_id, scopes, fingerprint, client_ip, user_agent,
                             expires_at, created_at, revoked, revocation_reason, revoked_at)
    select gen_random_uuid(), ${userId}, 'r@example.com', md5(random()::text) || g, ${t.type ?? 'ACCESS'}, ${t.status}, gen_random_uuid(), gen_random_uuid(),
           '{READ_PROFILE}', 'fp', '203.0.113.5', 'ua', ${new Date(t.expiresAt)}, ${new Date(t.expiresAt - DAY)}, ${revokedAt !== null}, ${t.reason ?? null}, ${revokedAt}
    from generate_series(1, ${count}::int) g returning id`.execute(db);
  return rows.map((r) => r.id);
}

async function insertEvents(userId: string, count: number, createdAt: number, published: boolean): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    insert into token_events (id, subject, type, user_id, payload, created_at, published_at)
    select gen_random_uuid(), ${`tokens.issued.${userId}`}, 'TokenIssued', ${userId}, '{}'::jsonb, ${new Date(createdAt)}, ${published ? new Date(createdAt + 5) : null}
    from generate_series(1, ${count}::int) returning id`.execute(database.db);
  return rows.map((r) => r.id);
}

const tokenIds = async (userId: string) =>
  (await sql<{ id: string }>`select id from auth_tokens where user_id = ${userId} order by id`.execute(database.db)).rows.map((r) => r.id);
const eventIds = async (userId: string) =>
  (await sql<{ id: string }>`select id from token_events where user_id = ${userId} order by id`.execute(database.db)).rows.map((r) => r.id);
const sorted = (ids: string[]) => [...ids].sort();

describe('retention', () => {
  it('deletes what is past retention, in bounded batches, and keeps the rest', async () => {
    const now = Date.now();
    const user = await newUser();
    const gone = [
      ...(await insertTokens(user, 7, { status: 'EXPIRED', expiresAt: now - 40 * DAY })),
      // Never marked EXPIRED (no sweeper then): its expiry is what counts.
      ...(await insertTokens(user, 1, { status: 'ACTIVE', expiresAt: now - 40 * DAY })),
      // Logged out long ago, would still be valid: nothing can use it again.
      ...(await insertTokens(user, 2, { type: 'REFRESH', status: 'REVOKED', expiresAt: now + 10 * DAY, revokedAt: now - 40 * DAY, reason: 'logout' })),
      // Rotated long ago and expired long ago.
      ...(await insertTokens(user, 1, { type: 'REFRESH', status: 'REVOKED', expiresAt: now - 31 * DAY, revokedAt: now - 60 * DAY, reason: 'rotated' })),
    ];
    const kept = [
      ...(await insertTokens(user, 3, { status: 'EXPIRED', expiresAt: now - 29 * DAY })),
      ...(await insertTokens(user, 2, { status: 'ACTIVE', expiresAt: now + 3_600_000 })),
      ...(await insertTokens(user, 1, { type: 'REFRESH', status: 'REVOKED', expiresAt: now + 10 * DAY, revokedAt: now - DAY, reason: 'logout' })),
      // Exchanged refresh tokens stay until their own expiry + retention: reuse detection reads them.
      ...(await insertTokens(user, 2, { type: 'REFRESH', status: 'REVOKED', expiresAt: now + 10 * DAY, revokedAt: now - 40 * DAY, reason: 'rotated' })),
      ...(await insertTokens(user, 1, { type: 'REFRESH', status: 'REVOKED', expiresAt: now + 10 * DAY, revokedAt: now - 40 * DAY, reason: 'superseded by a retried refresh' })),
    ];
    const goneEvents = await insertEvents(user, 5, now - 40 * DAY, true);
    const keptEvents = [...(await insertEvents(user, 1, now - 40 * DAY, false)), ...(await insertEvents(user, 2, now - DAY, true))];

    // One batch deletes at most its limit.
    expect(await purgeBatch(database.db, 'expired_tokens', new Date(now - RETENTION_MS), 3)).toBe(3);
    expect((await tokenIds(user)).length).toBe(gone.length + kept.length - 3);

    const batches: Array<[string, number]> = [];
    const totals = await runRetentionPass({ db: database.db, retentionMs: RETENTION_MS, batchSize: 3, now, onDeleted: (kind, n) => batches.push([kind, n]) });
    expect(totals).toEqual({ expired_tokens: 9 - 3, revoked_tokens: 2, published_events: 5 });
    expect(batches).toEqual([
      ['expired_tokens', 3],
      ['expired_tokens', 3],
      ['revoked_tokens', 2],
      ['published_events', 3],
      ['published_events', 2],
    ]);
    expect(await tokenIds(user)).toEqual(sorted(kept));
    expect(await eventIds(user)).toEqual(sorted(keptEvents));
    expect(goneEvents).toHaveLength(5);

    // Nothing left to do: a second pass deletes nothing.
    expect(await runRetentionPass({ db: database.db, retentionMs: RETENTION_MS, batchSize: 3, now })).toEqual({ expired_tokens: 0, revoked_tokens: 0, published_events: 0 });
  });

  it('skips a row a command holds locked instead of waiting for it, and takes it next pass', async () => {
    const now = Date.now();
    const user = await newUser();
    const [locked, ...others] = await insertTokens(user, 4, { status: 'EXPIRED', expiresAt: now - 40 * DAY });
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query('begin');
      // What a refresh does to the token it rotates, left uncommitted.
      await client.query(`update ${api.config.DATABASE_SCHEMA}.auth_tokens set last_used_at = now() where id = $1`, [locked]);
      const pass = runRetentionPass({ db: database.db, retentionMs: RETENTION_MS, batchSize: 100, now });
      const blocked = new Promise((_, reject) => setTimeout(() => reject(new Error('the pass waited on the locked row')), 5_000).unref());
      const totals = await Promise.race([pass, blocked]);
      expect(totals).toMatchObject({ expired_tokens: others.length });
      expect(await tokenIds(user)).toEqual([locked]);
      await client.query('commit');
    } finally {
      await client.end();
    }
    expect((await runRetentionPass({ db: database.db, retentionMs: RETENTION_MS, batchSize: 100, now })).expired_tokens).toBe(1);
    expect(await tokenIds(user)).toEqual([]);
  });

  it('shares a backlog between replicas: every row deleted once, none twice', async () => {
    const now = Date.now();
    const user = await newUser();
    await insertTokens(user, 3_000, { status: 'EXPIRED', expiresAt: now - 45 * DAY });
    const other = createDatabase<TokenApiDatabase>({ url: testDatabaseUrl(), schema: api.config.DATABASE_SCHEMA, poolMax: 2 });
    try {
      const counts: number[][] = [[], []];
      const [a, b] = await Promise.all(
        [database.db, other.db].map((db, i) => runRetentionPass({ db, retentionMs: RETENTION_MS, batchSize: 100, now, onDeleted: (_, n) => counts[i]!.push(n) })),
      );
      // A replica stops at its first short batch (the rest locked by the other); whatever is left
      // goes at the next pass, so finish with one more.
      const rest = await runRetentionPass({ db: database.db, retentionMs: RETENTION_MS, batchSize: 100, now });
      expect(a!.expired_tokens + b!.expired_tokens + rest.expired_tokens).toBe(3_000);
      expect(counts.flat().every((n) => n <= 100)).toBe(true);
      expect(await tokenIds(user)).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('walks an index for each kind of batch (the partial indexes match the statements)', async () => {
    const cutoff = new Date(Date.now() - RETENTION_MS);
    const expected = { expired_tokens: 'auth_tokens_expires_at_idx', revoked_tokens: 'auth_tokens_revoked_at_idx', published_events: 'token_events_published_created_idx' } as const;
    for (const [kind, index] of Object.entries(expected) as Array<[keyof typeof expected, string]>) {
      const compiled = compilePurgeBatch(database.db, kind, cutoff, 1000);
      const plan = await database.db.transaction().execute(async (trx) => {
        // Tables this small are cheaper to scan; forbid that to see which index the planner can use.
        await sql`set local enable_seqscan = off`.execute(trx);
        await sql`set local enable_bitmapscan = off`.execute(trx);
        const { rows } = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan, kind).toContain(`Index Scan using ${index}`);
    }
  });
});

describe('the retention loop in the service', () => {
  it('runs every RETENTION_INTERVAL_MS and counts what it deletes', async () => {
    const service = await startApi({ RETENTION_INTERVAL_MS: '200', RETENTION_BATCH_SIZE: '50', TOKEN_RETENTION_DAYS: '7', NATS_URL: api.config.NATS_URL });
    const db = createDatabase<TokenApiDatabase>({ url: testDatabaseUrl(), schema: service.config.DATABASE_SCHEMA, poolMax: 2 });
    try {
      const now = Date.now();
      const user = await newUser(db.db);
      await insertTokens(user, 120, { status: 'EXPIRED', expiresAt: now - 8 * DAY }, db.db);
      const [young] = await insertTokens(user, 1, { status: 'EXPIRED', expiresAt: now - 6 * DAY }, db.db);
      const left = async () => (await sql<{ id: string }>`select id from auth_tokens where user_id = ${user}`.execute(db.db)).rows.map((r) => r.id);
      await waitFor(async () => (await left()).length === 1, { what: 'the old rows purged by the loop', timeoutMs: 10_000 });
      expect(await left()).toEqual([young]);
      const metrics = (await service.call('GET', '/metrics')).text;
      expect(metrics).toMatch(/^token_retention_deleted_total\{[^}]*kind="expired_tokens"[^}]*\} 120$/m);
      expect(metrics).toMatch(/^token_retention_pass_failures_total(\{[^}]*\})? 0$/m);
    } finally {
      await db.close();
      await service.stop();
      await dropSchema(service);
    }
  });
});
