/*
 * Revocation propagation (DESIGN §9: revoke → a verifier in another process rejects the token,
 * p99 < 10 ms), with its anchor measured in the same run.
 *
 * Processes on this machine, and a private nats-server (JetStream, file store):
 *   this driver    publishes TokenRevoked with the platform's publishJson — the outbox publish
 *                  token-api's revoke performs right after its commit — and waits for the ack;
 *   revocation     the real service (services/revocation/src/main.ts) and its durable consumer;
 *   verifier       bench/verifier/propagation-verifier.ts: a verifier mirroring the bucket that
 *                  reports when the (already cached) token is first refused.
 * Timestamps: process.hrtime (CLOCK_MONOTONIC, one clock for every process of the machine).
 * bench/verifier/propagation-http.ts measures the same path from token-api's logout response.
 *
 * Measured one at a time with 2–5 ms between operations, --count of each:
 *   anchor        one bare JetStream hop: publish start → an ordered consumer in the verifier
 *                 process receives the message;
 *   propagation   publish acknowledged → verifier refuses (the figure for the goal), and publish
 *                 start → verifier refuses;
 * idle, then under a background load of --load other revocations per second.
 *
 * Run: npx tsx bench/verifier/propagation.ts [--count 1000] [--load 50] [--warmup 100]
 * Nothing is pinned: the processes share the two cores as the OS schedules them.
 */
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTokenEvent } from '@tessera/contracts';
import { ensureStream, publishJson, Topology } from '@tessera/platform';
import { startNatsServer } from '@tessera/platform/testing';
import { createTestIssuer, type IssuedToken } from '@tessera/verifier/testing';
import { v7 as uuidv7 } from 'uuid';
import { cdf, latencySummary, printResult } from '../lib/stats.js';
import { backgroundRevocations, hr, measureAnchor, ms, pause, startRevocationProcess, startVerifierProcess, summary } from './support.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '1000' }, load: { type: 'string', default: '50' }, warmup: { type: 'string', default: '100' } } });
const COUNT = Number(args.count);
const LOAD = Number(args.load);
const WARMUP = Number(args.warmup);
const UA = 'tessera-bench/1.0';

async function main(): Promise<void> {
  const nats = await startNatsServer();
  const children: ChildProcess[] = [];
  try {
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const topology = new Topology({ namespace: 'benchprop', eventsMaxAgeMs: 86_400_000 });
    await ensureStream(await jetstreamManager(nc), { name: 'BENCH_HOP', subjects: ['benchhop.>'], maxAgeMs: 3_600_000 });
    children.push(await startRevocationProcess(nc, nats.url, topology));

    const issuer = await createTestIssuer();
    const tokens: IssuedToken[] = [];
    for (let i = 0; i < WARMUP + 2 * COUNT; i++) tokens.push(await issuer.accessToken({ userAgent: UA }));
    const verifier = await startVerifierProcess({
      natsUrl: nats.url,
      bucket: topology.revocationsBucket,
      issuer: issuer.issuer,
      audience: issuer.audience,
      keys: { jwks: issuer.jwks },
      userAgent: UA,
      tokens: tokens.map((t) => ({ jti: t.jti, sid: t.sessionId, token: t.token })),
      anchorStream: 'BENCH_HOP',
      anchorSubject: 'benchhop.x',
    });
    children.push(verifier.child);

    let next = 0;
    const measurePropagation = async (n: number) => {
      const fromAck: number[] = [];
      const fromStart: number[] = [];
      for (let i = 0; i < n; i++) {
        const token = tokens[next++]!;
        const event = createTokenEvent('TokenRevoked', {
          id: uuidv7(),
          occurredAt: new Date().toISOString(),
          userId: token.userId,
          actor: { kind: 'user', id: token.userId },
          data: { tokenId: token.jti, tokenType: 'ACCESS', familyId: token.sessionId, reason: 'bench', expiresAt: new Date(token.exp * 1000).toISOString() },
        });
        const refused = verifier.arrival(token.jti);
        const start = hr();
        await publishJson(js, topology.tokenEventSubject('TokenRevoked', token.userId), event, { msgId: event.id });
        const acked = hr();
        const at = await refused;
        fromAck.push(ms(at - acked));
        fromStart.push(ms(at - start));
        await pause();
      }
      return { fromAck, fromStart };
    };

    await measurePropagation(WARMUP);
    await measureAnchor(js, verifier, 'benchhop.x', WARMUP);
    const anchorIdle = await measureAnchor(js, verifier, 'benchhop.x', COUNT);
    const idle = await measurePropagation(COUNT);
    const load = backgroundRevocations(js, topology, LOAD);
    const loadStart = Date.now();
    const anchorLoaded = await measureAnchor(js, verifier, 'benchhop.x', COUNT);
    const loaded = await measurePropagation(COUNT);
    const loadSent = load.stop();
    const loadSeconds = (Date.now() - loadStart) / 1000;

    console.log(`revocation propagation (publish ack → verifier) — node ${process.version}, private nats-server ${nc.info?.version} (JetStream, file store), load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`parameters: count=${COUNT} per series, warm-up ${WARMUP}, 2–5 ms between operations, background ${LOAD} revocations/s (${loadSent} sent in ${loadSeconds.toFixed(1)} s), no CPU pinning`);
    console.log('path: publishJson(TokenRevoked) ack → revocation consumer (other process) → KV create → mirror in the verifier process → verify() = revoked');
    console.log('idle');
    console.log(`  anchor: one bare JetStream hop, publish → ordered consumer in another process   ${summary(anchorIdle)}`);
    console.log(`  propagation: publish acknowledged → verifier refuses                           ${summary(idle.fromAck)}`);
    console.log(`  propagation: publish started → verifier refuses                                ${summary(idle.fromStart)}`);
    console.log(`under ${LOAD} revocations/s of background load`);
    console.log(`  anchor: one bare JetStream hop                                                 ${summary(anchorLoaded)}`);
    console.log(`  propagation: publish acknowledged → verifier refuses                           ${summary(loaded.fromAck)}`);
    console.log(`  propagation: publish started → verifier refuses                                ${summary(loaded.fromStart)}`);
    const series = (xs: number[]) => ({ ...latencySummary(xs), cdf: cdf(xs) });
    printResult({
      count: COUNT,
      warmup: WARMUP,
      load: LOAD,
      loadSent,
      natsServer: nc.info?.version,
      idle: { anchor: series(anchorIdle), fromAck: series(idle.fromAck), fromStart: series(idle.fromStart) },
      loaded: { anchor: series(anchorLoaded), fromAck: series(loaded.fromAck), fromStart: series(loaded.fromStart) },
    });
    await nc.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await nats.dispose();
  }
}

await main();
process.exit(0);
