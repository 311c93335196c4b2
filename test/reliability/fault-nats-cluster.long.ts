import { jetstreamManager, type StreamInfo } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, startProcessSystem, type ProcessSystem } from '../support/processes.js';
import { accountEvents, checkRevokedRefused, waitConsumersCaughtUp } from './support/checks.js';
import { startNatsCluster, type NatsCluster } from './support/nats-cluster.js';
import { watchReadiness } from './support/readiness.js';
import { recordCase } from './support/report.js';
import { Recorder, startTraffic, type Revoked } from './support/traffic.js';

/*
 * Fault 5: a 3-node JetStream cluster on loopback, streams and bucket at R3 (NATS_REPLICAS=3,
 * NATS_URL listing the three nodes). The node leading TOKEN_EVENTS is killed under load: no event
 * may be lost, and the services may be unready only for the reconnect and the leader election
 * (bound: 15 s for any service). The node comes back and catches up: its replica is current with
 * no lag, and once it leads the stream it holds every message.
 */
const DOWNTIME_BOUND_MS = 15_000;
let cluster: NatsCluster;
let system: ProcessSystem;

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  system = await startProcessSystem({ natsUrl: cluster.url, env: { NATS_REPLICAS: '3', OUTBOX_RELAY_INTERVAL_MS: '500' } });
});
afterAll(async () => {
  await system?.stop();
  await cluster?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fault: one node of a 3-node JetStream cluster killed under load', () => {
  it('loses no event, stays available beyond the reconnect, and the node catches up when it returns', async () => {
    const started = Date.now();
    const nc = await system.nats();
    const jsm = await jetstreamManager(nc);
    const { tokenEvents } = system.topology.streams;
    const bucketStream = `KV_${system.topology.revocationsBucket}`;
    const replicas = { stream: (await jsm.streams.info(tokenEvents.name)).config.num_replicas, bucket: (await jsm.streams.info(bucketStream)).config.num_replicas };

    const recorder = new Recorder();
    const revoked: Revoked[] = [];
    const readiness = watchReadiness(Object.fromEntries(SERVICE_NAMES.map((s) => [s, system.url[s]])));
    const traffic = startTraffic({ base: system.url['token-api'], users: 4, pauseMs: 40, maxMs: 4 * 60_000, recorder, revoked, useDelete: true });
    await sleep(8_000);

    const leaderName = (await jsm.streams.info(tokenEvents.name)).cluster?.leader;
    const victim = cluster.nodes.find((n) => n.name === leaderName) ?? cluster.nodes[0]!;
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    await sleep(20_000);
    const newLeader = (await jsm.streams.info(tokenEvents.name)).cluster?.leader;
    const restartAt = Date.now();
    await victim.start();
    await sleep(10_000);
    await traffic.stop();
    const downtime = await readiness.stop();

    await waitFor(async () => Number((await system.sql<{ n: string }>('select count(*) as n from $token_api.token_events where published_at is null'))[0]!.n) === 0, { what: 'outbox drained', timeoutMs: 60_000, intervalMs: 500 });
    const lag = await waitConsumersCaughtUp(nc, tokenEvents.name);
    await waitFor(async () => {
      const e = await accountEvents(system);
      return e.projected === e.stored;
    }, { what: 'audit caught up', timeoutMs: 60_000, intervalMs: 1_000 }).catch(() => {});
    const events = await accountEvents(system);
    // The stream as counted: the returning node must hold this range whole. Events may still be
    // appended after the count (the sweeper's schedule, theft handling of the refused refreshes
    // below), so the node is judged on sequences, not on a message count taken earlier.
    const counted = (await jsm.streams.info(tokenEvents.name)).state;
    const refusals = await checkRevokedRefused(system, revoked);

    // The returning node: its replica current with no lag, then leading the stream with every message.
    let replicaState: unknown = null;
    await waitFor(async () => {
      const info = await jsm.streams.info(tokenEvents.name);
      const peer = info.cluster?.replicas?.find((r) => r.name === victim.name);
      replicaState = info.cluster;
      return (peer && peer.current && !(peer.lag ?? 0)) || info.cluster?.leader === victim.name;
    }, { what: `${victim.name} current again`, timeoutMs: 60_000, intervalMs: 500 });
    let ledByVictim: StreamInfo | null = null;
    const direct = await connect({ servers: victim.url });
    try {
      const jsmDirect = await jetstreamManager(direct);
      for (let attempt = 0; attempt < 10 && !ledByVictim; attempt++) {
        const info = await jsmDirect.streams.info(tokenEvents.name);
        if (info.cluster?.leader === victim.name) ledByVictim = info;
        else {
          await direct.request(`$JS.API.STREAM.LEADER.STEPDOWN.${tokenEvents.name}`, '', { timeout: 5_000 }).catch(() => null);
          await sleep(2_000);
        }
      }
    } finally {
      await direct.close();
    }
    const summary = recorder.summary();
    const non2xx = Object.values(summary).reduce((n, s) => n + s.non2xx, 0);

    const checks = {
      'TOKEN_EVENTS and the REVOCATIONS bucket at R3': replicas.stream === 3 && replicas.bucket === 3,
      'every committed event in the stream exactly once': events.missingFromStream.length === 0 && events.duplicatesInStream === 0 && events.notCommittedButInStream.length === 0,
      'audit projected every stored event': events.missingFromAudit.length === 0 && events.projected === events.stored,
      'every consumer caught up': Object.values(lag).every((c) => c.pending === 0 && c.ackPending === 0),
      'every revoked token refused (verifier and API)': refusals.verifierAccepted.length === 0 && refusals.apiAccepted.length === 0 && refusals.refreshAccepted.length === 0,
      'every API call 2xx': non2xx === 0,
      [`no service unready for more than ${DOWNTIME_BOUND_MS / 1000} s`]: Object.values(downtime).every((d) => d.longestDownMs <= DOWNTIME_BOUND_MS),
      'the returning node leads the stream with every message': holdsEveryMessage(ledByVictim, counted),
      'no service crashed': SERVICE_NAMES.every((s) => system.proc[s].unexpectedExits().length === 0),
    };
    recordCase('5-nats-cluster', {
      order: 5,
      title: '3-node JetStream cluster, stream leader killed',
      fault: `Three nats-server processes (cluster routes on loopback), streams and bucket at R3. ${victim.name}, leader of TOKEN_EVENTS, SIGKILLed under load for ${((restartAt - killedAt) / 1000).toFixed(0)} s (new leader ${newLeader}), then started again with its store.`,
      checks,
      events: { published: events.published, stored: events.stored, projected: events.projected, dlq: events.dlq, duplicates: events.duplicatesInStream, missing: events.missingFromStream.length, fromSweeper: events.storedFromSweeper },
      traffic: { before: recorder.summary((c) => c.at < killedAt), 'node down': recorder.summary((c) => c.at >= killedAt && c.at < restartAt), 'node back': recorder.summary((c) => c.at >= restartAt) },
      notes: [
        `readiness per service (total / longest time not ready, ms): ${Object.entries(downtime).map(([s, d]) => `${s} ${d.downMs}/${d.longestDownMs}`).join(', ')}`,
        `after its return ${victim.name} ${ledByVictim ? `led TOKEN_EVENTS with ${ledByVictim.state.messages} messages, last seq ${ledByVictim.state.last_seq}` : `did not become leader; cluster: ${JSON.stringify(replicaState)}`}`,
      ],
      durationSeconds: (Date.now() - started) / 1000,
    });

    expect(replicas).toEqual({ stream: 3, bucket: 3 });
    expect(events.missingFromStream).toEqual([]);
    expect(events.duplicatesInStream).toBe(0);
    expect(events.notCommittedButInStream).toEqual([]);
    expect(events.missingFromAudit).toEqual([]);
    expect(refusals).toEqual({ verifierAccepted: [], apiAccepted: [], refreshAccepted: [] });
    expect(summary).toSatisfy((s: typeof summary) => Object.values(s).every((op) => op.non2xx === 0), JSON.stringify(summary));
    expect(downtime).toSatisfy((d: typeof downtime) => Object.values(d).every((x) => x.longestDownMs <= DOWNTIME_BOUND_MS), JSON.stringify(downtime));
    expect(ledByVictim?.state, JSON.stringify(counted)).toSatisfy((state: StreamInfo['state'] | undefined) => state !== undefined && holdsEveryMessage({ state }, counted));
    expect(checks['no service crashed']).toBe(true);
  });
});

/** Led by the returning node, the stream starts where it did, reaches at least as far, and has no hole. */
function holdsEveryMessage(led: Pick<StreamInfo, 'state'> | null, counted: StreamInfo['state']): boolean {
  if (led === null) return false;
  const { first_seq, last_seq, messages } = led.state;
  return first_seq === counted.first_seq && last_seq >= counted.last_seq && messages === last_seq - first_seq + 1 && counted.messages === counted.last_seq - counted.first_seq + 1;
}
