import { startNatsServer, waitFor, type OwnNatsServer } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, startProcessSystem, type ProcessSystem } from '../support/processes.js';
import { accountEvents, checkRevokedRefused, waitConsumersCaughtUp } from './support/checks.js';
import { recordCase } from './support/report.js';
import { Recorder, startTraffic, type Revoked } from './support/traffic.js';

/*
 * Fault 1: NATS (its own server: this test kills it) is down for 30 s while clients log in,
 * refresh and revoke. token-api keeps answering from Postgres and its outbox; when NATS returns
 * every committed event reaches the stream exactly once, every consumer catches up, and every
 * revoked token is refused by a verifier mirroring the bucket and by the API.
 */
const OUTAGE_MS = 30_000;
let nats: OwnNatsServer;
let system: ProcessSystem;

beforeAll(async () => {
  nats = await startNatsServer();
  system = await startProcessSystem({ natsUrl: nats.url, env: { OUTBOX_RELAY_INTERVAL_MS: '500' } });
});
afterAll(async () => {
  await system?.stop();
  await nats?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rss = () => Object.fromEntries(SERVICE_NAMES.map((s) => [s, system.proc[s].rssBytes() / 1_048_576]));

describe('fault: NATS down for 30 s under load', () => {
  it('loses no event, applies none twice, refuses every revoked token, and the API answers throughout', async () => {
    const started = Date.now();
    const rssBefore = rss();
    const recorder = new Recorder();
    const revoked: Revoked[] = [];
    const traffic = startTraffic({ base: system.url['token-api'], users: 4, pauseMs: 40, maxMs: 4 * 60_000, recorder, revoked, useDelete: true });

    await sleep(10_000);
    const downAt = Date.now();
    await nats.stop();
    await waitFor(async () => (await (await fetch(`${system.url.audit}/health/ready`)).status) === 503, { what: 'audit not ready without NATS', timeoutMs: 15_000 });
    // token-api stays ready: its outbox keeps the events (README "Operations").
    const tokenApiReadyDuring = (await fetch(`${system.url['token-api']}/health/ready`)).status;
    await sleep(OUTAGE_MS - (Date.now() - downAt));
    const upAt = Date.now();
    await nats.start();
    await sleep(15_000);
    const users = await traffic.stop();

    await waitFor(async () => Number((await system.sql<{ n: string }>('select count(*) as n from $token_api.token_events where published_at is null'))[0]!.n) === 0, {
      what: 'outbox drained',
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const nc = await system.nats();
    const lag = await waitConsumersCaughtUp(nc, system.topology.streams.tokenEvents.name);
    const events = await accountEvents(system);
    const refusals = await checkRevokedRefused(system, revoked);
    const rssAfter = rss();

    const phase = (from: number, to: number) => recorder.summary((c) => c.at >= from && c.at < to);
    const summary = recorder.summary();
    const non2xx = Object.values(summary).reduce((n, s) => n + s.non2xx, 0);
    const duringCalls = recorder.calls.filter((c) => c.at >= downAt && c.at < upAt).length;
    const checks = {
      'every committed event in the stream exactly once': events.missingFromStream.length === 0 && events.duplicatesInStream === 0 && events.notCommittedButInStream.length === 0,
      'Nats-Msg-Id = event id on every message': events.msgIdMismatches === 0,
      'audit projected every stored event': events.missingFromAudit.length === 0 && events.projected === events.stored,
      'every consumer caught up (num_pending 0, num_ack_pending 0)': Object.values(lag).every((c) => c.pending === 0 && c.ackPending === 0),
      'every revoked token refused by a verifier': refusals.verifierAccepted.length === 0,
      'every revoked token refused by the API, revoked refresh tokens too': refusals.apiAccepted.length === 0 && refusals.refreshAccepted.length === 0,
      'every API call answered 2xx, during the outage too': non2xx === 0,
      'token-api ready during the outage': tokenApiReadyDuring === 200,
      'no service crashed': SERVICE_NAMES.every((s) => system.proc[s].unexpectedExits().length === 0),
    };
    recordCase('1-nats-outage', {
      order: 1,
      title: 'NATS down 30 s under load',
      fault: `Own nats-server killed (SIGKILL) for ${((upAt - downAt) / 1000).toFixed(1)} s while ${users.length} clients looped register/login/use/refresh×2/revoke (logout or DELETE /tokens/{id}) against token-api; ${duringCalls} calls were made during the outage. ${revoked.length} tokens revoked in all.`,
      checks,
      events: { published: events.published, stored: events.stored, projected: events.projected, dlq: events.dlq, duplicates: events.duplicatesInStream, missing: events.missingFromStream.length, fromSweeper: events.storedFromSweeper },
      traffic: { before: phase(0, downAt), 'NATS down': phase(downAt, upAt), after: phase(upAt, Date.now() + 1) },
      rss: Object.fromEntries(SERVICE_NAMES.map((s) => [s, { beforeMiB: rssBefore[s]!, afterMiB: rssAfter[s]! }])),
      notes: [`consumers after: ${JSON.stringify(lag)}`, 'audit answered /health/ready 503 within 15 s of the outage (a consumer without NATS is not ready), token-api 200 (its outbox keeps the events)'],
      durationSeconds: (Date.now() - started) / 1000,
    });

    expect(events.missingFromStream).toEqual([]);
    expect(events.notCommittedButInStream).toEqual([]);
    expect(events.duplicatesInStream).toBe(0);
    expect(events.msgIdMismatches).toBe(0);
    expect(events.missingFromAudit).toEqual([]);
    expect(events.projected).toBe(events.stored);
    expect(refusals).toEqual({ verifierAccepted: [], apiAccepted: [], refreshAccepted: [] });
    expect(summary).toSatisfy((s: typeof summary) => Object.values(s).every((op) => op.non2xx === 0), JSON.stringify(summary));
    expect(duringCalls).toBeGreaterThan(50);
    expect(revoked.length).toBeGreaterThan(20);
    expect(tokenApiReadyDuring).toBe(200);
    expect(checks['no service crashed']).toBe(true);
  });
});
