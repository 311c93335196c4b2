/*
 * Revocation propagation (DESIGN §9: revoke → a verifier in another process rejects the token,
 * p99 < 10 ms), with its anchor measured in the same run.
 *
 * Three processes on this machine and a private nats-server (JetStream, file store):
 *   this driver    publishes TokenRevoked with the platform's publishJson — the outbox publish
 *                  token-api's revoke performs after its commit — and waits for the stream's ack;
 *   revocation     the real service (services/revocation/src/main.ts), its durable consumer
 *                  writing the REVOCATIONS entry;
 *   verifier       bench/verifier/propagation-verifier.ts: a verifier mirroring the bucket that
 *                  reports when the (cached) token is first refused as `revoked`.
 * Timestamps are process.hrtime (CLOCK_MONOTONIC, shared by all processes of the machine).
 *
 * Measured, one revocation at a time (then the next), --count of each:
 *   anchor        one bare JetStream hop: publish (start) → an ordered consumer in the verifier
 *                 process receives it;
 *   propagation   publish acknowledged → verifier refuses (the goal's figure), and publish start →
 *                 refuses;
 * first idle, then under a background load of --load other revocations per second.
 *
 * Run: npx tsx bench/verifier/propagation.ts [--count 1000] [--load 50]
 * Nothing is pinned: four processes share the two cores as the OS schedules them.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTokenEvent } from '@tessera/contracts';
import { ensureStream, publishJson, Topology } from '@tessera/platform';
import { startNatsServer, waitFor } from '@tessera/platform/testing';
import { createTestIssuer, type IssuedToken } from '@tessera/verifier/testing';
import { v7 as uuidv7 } from 'uuid';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '1000' }, load: { type: 'string', default: '50' }, warmup: { type: 'string', default: '100' } } });
const COUNT = Number(args.count);
const LOAD = Number(args.load);
const WARMUP = Number(args.warmup);
const root = fileURLToPath(new URL('../..', import.meta.url));
const NAMESPACE = 'benchprop';

const hr = () => process.hrtime.bigint();
const ms = (ns: bigint) => Number(ns) / 1e6;

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
  return `n=${s.length}  p50 ${q(50).toFixed(2)} ms  p90 ${q(90).toFixed(2)} ms  p99 ${q(99).toFixed(2)} ms  max ${s[s.length - 1]!.toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const nats = await startNatsServer();
  const children: ChildProcess[] = [];
  try {
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const topology = new Topology({ namespace: NAMESPACE, eventsMaxAgeMs: 86_400_000 });
    const anchorStream = 'BENCH_HOP';
    const anchorSubject = 'benchhop.x';
    await ensureStream(await jetstreamManager(nc), { name: anchorStream, subjects: ['benchhop.>'], maxAgeMs: 3_600_000 });

    // The revocation service, as deployed.
    const service = spawn(process.execPath, ['--import', 'tsx', 'services/revocation/src/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NATS_URL: nats.url, NATS_NAMESPACE: NAMESPACE, LOG_LEVEL: 'error', JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json', BLACKLIST_CLEANUP_INTERVAL_SECONDS: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(service);
    const jsm = await jetstreamManager(nc);
    await waitFor(async () => (await jsm.consumers.info(topology.streams.tokenEvents.name, 'revocation').catch(() => null))?.num_waiting, { what: 'revocation consumer pulling', timeoutMs: 60_000 });

    // Tokens the verifier process has seen; each is revoked once.
    const issuer = await createTestIssuer();
    const tokens: IssuedToken[] = [];
    for (let i = 0; i < WARMUP + 2 * COUNT; i++) tokens.push(await issuer.accessToken());

    const verifierProcess = fork(fileURLToPath(new URL('./propagation-verifier.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(verifierProcess);
    const waiters = new Map<string, (at: bigint) => void>();
    let ready: (() => void) | null = null;
    verifierProcess.on('message', (m: { type: string; jti?: string; id?: string; at?: string }) => {
      if (m.type === 'ready') ready?.();
      const key = m.type === 'refused' ? m.jti : m.type === 'anchor' ? m.id : undefined;
      if (key !== undefined) waiters.get(key)?.(BigInt(m.at!));
    });
    const readyPromise = new Promise<void>((resolve) => (ready = resolve));
    verifierProcess.send({
      type: 'setup',
      natsUrl: nats.url,
      bucket: topology.revocationsBucket,
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwks: issuer.jwks,
      tokens: tokens.map((t) => ({ jti: t.jti, token: t.token })),
      anchorStream,
      anchorSubject,
    });
    await readyPromise;

    const arrival = (key: string) =>
      new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no report for ${key} within 10 s`)), 10_000);
        waiters.set(key, (at) => {
          clearTimeout(timer);
          waiters.delete(key);
          resolve(at);
        });
      });
    const gap = () => new Promise((r) => setTimeout(r, 2 + Math.random() * 3));

    const measureAnchor = async (n: number) => {
      const hops: number[] = [];
      for (let i = 0; i < n; i++) {
        const id = randomUUID();
        const arrived = arrival(id);
        const start = hr();
        await js.publish(anchorSubject, id);
        hops.push(ms((await arrived) - start));
        await gap();
      }
      return hops;
    };

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
        const refused = arrival(token.jti);
        const start = hr();
        await publishJson(js, topology.tokenEventSubject('TokenRevoked', token.userId), event, { msgId: event.id });
        const acked = hr();
        const at = await refused;
        fromAck.push(ms(at - acked));
        fromStart.push(ms(at - start));
        await gap();
      }
      return { fromAck, fromStart };
    };

    // Background load: other users' revocations at LOAD per second, not awaited by the measure.
    let loadTimer: NodeJS.Timeout | null = null;
    let loadSent = 0;
    const startLoad = () => {
      loadTimer = setInterval(() => {
        const userId = randomUUID();
        const event = createTokenEvent('TokenRevoked', {
          id: uuidv7(),
          occurredAt: new Date().toISOString(),
          userId,
          actor: { kind: 'user', id: userId },
          data: { tokenId: uuidv7(), tokenType: Math.random() < 0.3 ? 'REFRESH' : 'ACCESS', familyId: randomUUID(), reason: 'background', expiresAt: new Date(Date.now() + 900_000).toISOString() },
        });
        void publishJson(js, topology.tokenEventSubject('TokenRevoked', userId), event, { msgId: event.id }).then(() => loadSent++);
      }, 1000 / LOAD);
    };

    await measurePropagation(WARMUP);
    await measureAnchor(WARMUP);
    const anchorIdle = await measureAnchor(COUNT);
    const idle = await measurePropagation(COUNT);
    startLoad();
    const loadStartedAt = Date.now();
    const anchorLoaded = await measureAnchor(COUNT);
    const loaded = await measurePropagation(COUNT);
    if (loadTimer) clearInterval(loadTimer);
    const loadSeconds = (Date.now() - loadStartedAt) / 1000;

    console.log(`revocation propagation — node ${process.version}, private nats-server (JetStream, file store), load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`parameters: count=${COUNT} per series, warm-up ${WARMUP}, 2–5 ms between measured operations, background load ${LOAD}/s (${loadSent} sent over ${loadSeconds.toFixed(1)} s), no CPU pinning`);
    console.log('path measured: driver publishJson(TokenRevoked) ack → revocation service consumer → KV create → verifier process mirror → verify() = revoked');
    console.log('');
    console.log('idle');
    console.log(`  anchor: one bare JetStream hop (publish → ordered consumer, other process)   ${summary(anchorIdle)}`);
    console.log(`  propagation: publish acked → verifier refuses                                ${summary(idle.fromAck)}`);
    console.log(`  propagation: publish started → verifier refuses                              ${summary(idle.fromStart)}`);
    console.log(`under ${LOAD} revocations/s of background load`);
    console.log(`  anchor: one bare JetStream hop                                               ${summary(anchorLoaded)}`);
    console.log(`  propagation: publish acked → verifier refuses                                ${summary(loaded.fromAck)}`);
    console.log(`  propagation: publish started → verifier refuses                              ${summary(loaded.fromStart)}`);
    await nc.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await nats.dispose();
  }
}

await main();
process.exit(0);
