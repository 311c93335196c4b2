import { startPostgresServer, waitFor, type OwnPostgresServer } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, startProcessSystem, type ProcessSystem } from '../support/processes.js';
import { accountEvents, waitConsumersCaughtUp } from './support/checks.js';
import { recordCase } from './support/report.js';
import { Recorder, startTraffic, type CallRecord, type Revoked } from './support/traffic.js';

/*
 * Fault 2: the services' PostgreSQL (its own cluster: this test stops it) goes down for 10 s and
 * comes back while clients log in, refresh and revoke. Calls during the outage fail cleanly (503
 * problem+json, never a hang or a 500), the database-backed services report readiness DOWN, no
 * command is half-written (every token row has its event and every event its row), and the
 * system serves fully again afterwards.
 */
const OUTAGE_MS = 10_000;
let pg: OwnPostgresServer;
let system: ProcessSystem;

beforeAll(async () => {
  pg = await startPostgresServer();
  system = await startProcessSystem({ databaseUrl: pg.url, env: { OUTBOX_RELAY_INTERVAL_MS: '500' } });
});
afterAll(async () => {
  await system?.stop({ keepData: true });
  await pg?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DB_SERVICES = ['token-api', 'audit', 'sweeper'] as const;

async function readiness(): Promise<Record<string, { status: number; body: string }>> {
  const out: Record<string, { status: number; body: string }> = {};
  for (const s of DB_SERVICES) {
    const res = await fetch(`${system.url[s]}/health/ready`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    out[s] = { status: res?.status ?? 0, body: res ? await res.text() : 'no answer' };
  }
  return out;
}

describe('fault: PostgreSQL restarted under load', () => {
  it('fails calls cleanly during the outage, writes nothing by halves, and serves fully after', async () => {
    const started = Date.now();
    const rssBefore = Object.fromEntries(SERVICE_NAMES.map((s) => [s, system.proc[s].rssBytes() / 1_048_576]));
    const recorder = new Recorder();
    const revoked: Revoked[] = [];
    const traffic = startTraffic({ base: system.url['token-api'], users: 4, pauseMs: 40, maxMs: 3 * 60_000, recorder, revoked, useDelete: true });

    await sleep(8_000);
    const downAt = Date.now();
    await pg.stop('fast');
    const stoppedAt = Date.now();
    let readyDuring: Record<string, { status: number; body: string }> = {};
    await waitFor(
      async () => {
        readyDuring = await readiness();
        return Object.values(readyDuring).every((r) => r.status === 503 && JSON.parse(r.body).status === 'DOWN');
      },
      { what: 'token-api, audit and sweeper not ready without PostgreSQL', timeoutMs: 15_000, intervalMs: 250 },
    ).catch(() => {});
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    const restartAt = Date.now();
    await pg.start();
    const upAt = Date.now();
    // Full service: every call 2xx again within 15 s of the restart; then 10 s of clean traffic.
    await waitFor(async () => Object.values(await readiness()).every((r) => r.status === 200), { what: 'ready again', timeoutMs: 30_000, intervalMs: 250 });
    const readyAgainAt = Date.now();
    await sleep(12_000);
    await traffic.stop();

    await waitFor(async () => Number((await system.sql<{ n: string }>('select count(*) as n from $token_api.token_events where published_at is null'))[0]!.n) === 0, {
      what: 'outbox drained',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const lag = await waitConsumersCaughtUp(await system.nats(), system.topology.streams.tokenEvents.name, 180_000);
    await waitFor(async () => {
      const e = await accountEvents(system);
      return e.projected === e.stored;
    }, { what: 'audit caught up', timeoutMs: 60_000, intervalMs: 1_000 }).catch(() => {});
    const events = await accountEvents(system);

    // Nothing half-written: a token row exists exactly when its TokenIssued event does, every
    // revoked row (other than a rotation, which emits no TokenRevoked) has its TokenRevoked, and
    // every rotated token names a successor that exists.
    const orphans = await system.sql<{ kind: string; n: string }>(`
      select 'row without TokenIssued' as kind, count(*) as n from $token_api.auth_tokens t
        where not exists (select 1 from $token_api.token_events e where e.type = 'TokenIssued' and e.payload->'data'->>'tokenId' = t.id::text)
      union all
      select 'TokenIssued without row', count(*) from $token_api.token_events e
        where e.type = 'TokenIssued' and not exists (select 1 from $token_api.auth_tokens t where t.id::text = e.payload->'data'->>'tokenId')
      union all
      select 'revoked row without TokenRevoked', count(*) from $token_api.auth_tokens t
        where t.status = 'REVOKED' and t.revocation_reason not in ('rotated', 'superseded by a retried refresh')
          and not exists (select 1 from $token_api.token_events e where e.type = 'TokenRevoked' and e.payload->'data'->>'tokenId' = t.id::text)
      union all
      select 'TokenRevoked of a row not revoked', count(*) from $token_api.token_events e
        where e.type = 'TokenRevoked' and exists (select 1 from $token_api.auth_tokens t where t.id::text = e.payload->'data'->>'tokenId' and t.status <> 'REVOKED')
      union all
      select 'rotated without successor', count(*) from $token_api.auth_tokens t
        where t.revocation_reason = 'rotated' and not exists (select 1 from $token_api.auth_tokens s where s.id = t.successor_token_id)`);
    const halfWritten = Object.fromEntries(orphans.map((o) => [o.kind, Number(o.n)]));

    // A call's instant is when its answer came: from the stop command on, until the restart.
    const inOutage = (c: CallRecord) => c.at >= downAt && c.at < upAt;
    const outageCalls = recorder.calls.filter(inOutage);
    // Over the whole run, every answer is a 2xx or a 503 problem: nothing else, ever.
    const unclean = recorder.calls.filter((c) => !(c.status >= 200 && c.status < 300) && !(c.status === 503 && c.problem?.contentType?.startsWith('application/problem+json')));
    const beforeFailures = recorder.calls.filter((c) => c.at < downAt && (c.status < 200 || c.status > 299));
    const afterCalls = recorder.calls.filter((c) => c.at >= readyAgainAt + 3_000);
    const afterFailures = afterCalls.filter((c) => c.status < 200 || c.status > 299);
    const rssAfter = Object.fromEntries(SERVICE_NAMES.map((s) => [s, system.proc[s].rssBytes() / 1_048_576]));

    const checks = {
      'every call before the outage 2xx': beforeFailures.length === 0,
      'every answer 2xx or 503 problem+json, nothing else (no 500, no hang)': unclean.length === 0,
      'readiness DOWN (503) on token-api, audit and sweeper during the outage': Object.values(readyDuring).every((r) => r.status === 503),
      'nothing half-written (token rows and events agree)': Object.values(halfWritten).every((n) => n === 0),
      'every call 2xx from 3 s after readiness came back': afterCalls.length > 0 && afterFailures.length === 0,
      'every committed event in the stream exactly once': events.missingFromStream.length === 0 && events.duplicatesInStream === 0 && events.notCommittedButInStream.length === 0,
      'audit projected every stored event': events.missingFromAudit.length === 0 && events.projected === events.stored,
      'every consumer caught up': Object.values(lag).every((c) => c.pending === 0 && c.ackPending === 0),
      'no service crashed': SERVICE_NAMES.every((s) => system.proc[s].unexpectedExits().length === 0),
    };
    recordCase('2-postgres-restart', {
      order: 2,
      title: 'PostgreSQL restarted under load',
      fault: `Own PostgreSQL 15 cluster stopped (\`pg_ctl stop -m fast\`, every connection cut; the stop itself took ${((stoppedAt - downAt) / 1000).toFixed(1)} s) for ${((restartAt - downAt) / 1000).toFixed(1)} s, started again (${((upAt - restartAt) / 1000).toFixed(1)} s to accept connections); readiness of all three database services back ${((readyAgainAt - upAt) / 1000).toFixed(1)} s later. ${outageCalls.length} calls landed in the outage.`,
      checks,
      events: { published: events.published, stored: events.stored, projected: events.projected, dlq: events.dlq, duplicates: events.duplicatesInStream, missing: events.missingFromStream.length, fromSweeper: events.storedFromSweeper },
      traffic: {
        before: recorder.summary((c) => c.at < downAt),
        'PostgreSQL down': recorder.summary(inOutage),
        'restart → ready + 3 s': recorder.summary((c) => c.at >= upAt && c.at < readyAgainAt + 3_000),
        after: recorder.summary((c) => c.at >= readyAgainAt + 3_000),
      },
      rss: Object.fromEntries(SERVICE_NAMES.map((s) => [s, { beforeMiB: rssBefore[s]!, afterMiB: rssAfter[s]! }])),
      notes: [`half-written check: ${JSON.stringify(halfWritten)}`, `readiness during the outage: ${JSON.stringify(Object.fromEntries(Object.entries(readyDuring).map(([k, v]) => [k, v.status])))}`, `unclean answers: ${JSON.stringify(unclean.slice(0, 5))}`],
      durationSeconds: (Date.now() - started) / 1000,
    });

    expect(unclean).toEqual([]);
    expect(beforeFailures).toEqual([]);
    expect(outageCalls.length).toBeGreaterThan(10);
    expect(Object.values(readyDuring).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(halfWritten).toEqual({ 'row without TokenIssued': 0, 'TokenIssued without row': 0, 'revoked row without TokenRevoked': 0, 'TokenRevoked of a row not revoked': 0, 'rotated without successor': 0 });
    expect(afterFailures).toEqual([]);
    expect(events.missingFromStream).toEqual([]);
    expect(events.duplicatesInStream).toBe(0);
    expect(events.missingFromAudit).toEqual([]);
    expect(checks['no service crashed']).toBe(true);
  });
});
