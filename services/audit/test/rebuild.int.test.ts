import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { AuditRebuildStatus, AuditTrailResponse, Problem, TokenEventType, type TokenEvent } from '@tessera/contracts';
import { waitFor } from '@tessera/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireRebuildLock } from '../src/rebuild/rebuild.js';
import { makeEvent, newUserId, startHarness, type AuditHarness } from './support/harness.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

let h: AuditHarness;
let systemToken: string;
const users = Array.from({ length: 20 }, () => newUserId());
/** Every event published, with the stream sequence it got. */
const published: Array<{ event: TokenEvent; seq: number }> = [];

async function publish(event: TokenEvent): Promise<void> {
  const { seq } = await h.publish(event);
  published.push({ event, seq });
}

async function publishMany(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const type = TokenEventType.options[i % TokenEventType.options.length]!;
    await publish(makeEvent(type, users[i % users.length]!, { occurredAt: new Date(Date.now() - (i % 1_000) * 1_000) }));
  }
}

/** The row each event must have, in the shape of AuditHarness.snapshot(), ordered by event id. */
function expectedRows() {
  return published
    .map(({ event, seq }) => {
      const data = event.data as Record<string, unknown>;
      const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : null);
      return {
        event_id: event.id,
        action: event.type,
        user_id: event.userId,
        token_id: text('tokenId'),
        actor_kind: event.actor.kind,
        actor_id: event.actor.id,
        client_ip: text('clientIp'),
        user_agent: text('userAgent'),
        reason: text('reason'),
        occurred_at: new Date(event.occurredAt),
        stream_seq: seq,
        data,
      };
    })
    .sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
}

async function indexNames(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'auth_token_audit' order by 1`.execute(h.database.db);
  return rows.map((r) => r.name);
}

async function rebuildStatus(): Promise<AuditRebuildStatus> {
  return AuditRebuildStatus.parse((await h.get('/api/v1/audit/rebuild', systemToken)).body);
}

beforeAll(async () => {
  h = await startHarness();
  systemToken = await h.jwks.mint({ sub: newUserId(), scope: 'ADMIN_SYSTEM ADMIN_TOKENS' });
  await publishMany(2_000);
  await waitFor(async () => (await h.rowCount()) === published.length, { what: 'live projection', timeoutMs: 30_000 });
});
afterAll(async () => {
  await h?.close();
});

describe('projection rebuild', () => {
  it('the live projection holds exactly the expected rows (the reference for what follows)', async () => {
    expect(await h.snapshot()).toEqual(expectedRows());
  });

  it('rebuilds over HTTP into a table equal to the live one, while events keep landing and reads keep working', async () => {
    const liveIndexes = await indexNames();
    // Damage the live table the way a projection bug would: rows wrong, rows missing.
    await sql`update auth_token_audit set reason = 'tampered', client_ip = null where stream_seq % 7 = 0`.execute(h.database.db);
    await sql`delete from auth_token_audit where stream_seq % 11 = 0`.execute(h.database.db);
    expect(await h.snapshot()).not.toEqual(expectedRows());

    const started = await h.post('/api/v1/audit/rebuild', systemToken);
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/api/v1/audit/rebuild');
    expect(AuditRebuildStatus.parse(started.body)).toMatchObject({ state: 'running', error: null });

    // Meanwhile: events keep arriving (a background publisher) and the trail API keeps answering.
    const before = published.length;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) await publishMany(10);
    })();
    const reader = await h.jwks.mint({ sub: users[0]!, scope: 'READ_TOKENS' });
    let reads = 0;
    let status = await rebuildStatus();
    while (status.state === 'running') {
      const res = await h.get(`/api/v1/auth/tokens/audit/${users[0]}?limit=5`, reader);
      expect(res.status).toBe(200);
      AuditTrailResponse.parse(res.body);
      reads++;
      status = await rebuildStatus();
    }
    const duringRebuild = published.length - before;
    await publishMany(20);
    publishing = false;
    await publisher;
    expect(status).toMatchObject({ state: 'succeeded', error: null });
    expect(status.replayed).toBeGreaterThanOrEqual(2_000);
    expect(status.targetSequence).toBeGreaterThanOrEqual(2_000);
    expect(reads).toBeGreaterThan(0);
    expect(duringRebuild).toBeGreaterThan(0);

    await waitFor(async () => (await h.rowCount()) === published.length, { what: 'live caught up after the swap', timeoutMs: 30_000 });
    expect(await h.snapshot()).toEqual(expectedRows());
    // Same indexes under the migration's names, primary key included.
    expect(await indexNames()).toEqual(liveIndexes);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_constraint
       where conname = 'auth_token_audit_pkey' and contype = 'p' and connamespace = current_schema()::regnamespace`.execute(h.database.db);
    expect(rows[0]!.n).toBe(1);
    const { rows: leftovers } = await sql<{ n: number }>`
      select count(*)::int as n from pg_tables where schemaname = current_schema() and tablename like 'auth_token_audit_%'`.execute(h.database.db);
    expect(leftovers[0]!.n).toBe(0);
  });

  it('runs one rebuild at a time across processes: 409 while another holds the lock', async () => {
    const lock = await acquireRebuildLock(h.database.pool);
    try {
      const res = await h.post('/api/v1/audit/rebuild', systemToken);
      expect(res.status).toBe(409);
      expect(Problem.parse(res.body).code).toBe('conflict');
    } finally {
      await lock.release();
    }
  });

  it('needs ADMIN_SYSTEM and takes no input', async () => {
    const admin = await h.jwks.mint({ sub: newUserId(), scope: 'ADMIN_TOKENS' });
    expect((await h.post('/api/v1/audit/rebuild', admin)).status).toBe(403);
    expect((await h.post('/api/v1/audit/rebuild')).status).toBe(401);
    expect((await h.post('/api/v1/audit/rebuild', systemToken, { from: 0 })).status).toBe(400);
    expect((await h.post('/api/v1/audit/rebuild?force=true', systemToken)).status).toBe(400);
  });

  it('keeps rows whose events have aged out of the stream (they cannot be re-derived)', async () => {
    const jsm = await jetstreamManager(h.nc);
    const stream = h.topology.streams.tokenEvents.name;
    // Messages below sequence 301 leave the stream, as max_age would remove them.
    await jsm.streams.purge(stream, { seq: 301 });
    expect((await jsm.streams.info(stream)).state.first_seq).toBe(301);

    const env = {
      ...process.env,
      DATABASE_URL: h.config.DATABASE_URL,
      DATABASE_SCHEMA: h.config.DATABASE_SCHEMA,
      NATS_URL: h.config.NATS_URL,
      NATS_NAMESPACE: h.config.NATS_NAMESPACE,
    };
    const { stdout } = await run('npx', ['tsx', CLI, 'rebuild', '--json'], { cwd: REPO, env, timeout: 120_000 });
    const result = JSON.parse(stdout) as { replayed: number; carriedOver: number; rows: number };
    expect(result.carriedOver).toBeGreaterThanOrEqual(300);
    expect(result.rows).toBe(published.length);
    expect(await h.snapshot()).toEqual(expectedRows());

    // The CLI also refuses to run beside another rebuild, with EX_TEMPFAIL.
    const lock = await acquireRebuildLock(h.database.pool);
    try {
      const failed = await run('npx', ['tsx', CLI, 'rebuild'], { cwd: REPO, env, timeout: 60_000 }).catch((error: { code: number; stderr: string }) => error);
      expect(failed).toMatchObject({ code: 75 });
      expect((failed as { stderr: string }).stderr).toContain('another rebuild is running');
    } finally {
      await lock.release();
    }
  });

  it('rejects an unknown CLI command with a usage line', async () => {
    const failed = await run('npx', ['tsx', CLI, 'rebuilt'], { cwd: REPO, timeout: 60_000 }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 64 });
    expect((failed as { stderr: string }).stderr).toContain('usage: cli.ts rebuild');
  });
});
