/*
 * Notifier capacity and fan-out: how much memory 10,000 authenticated, subscribed sockets cost
 * the notifier process, against a bare `ws` server holding the same sockets (the anchor), and
 * how fast a TokenRevoked published to JetStream reaches its socket while all of them are open.
 *
 * Processes: this driver (the 10,000 WebSocket clients, the JWKS, the publisher), the notifier
 * (services/notifier/src/main.ts) against a private nats-server, then a bare ws server
 * (bench/notifier/bare-ws-server.ts). RSS is read from /proc after the sockets settle; memory per
 * socket is the difference from the idle process divided by the socket count.
 *
 * Run: npx tsx bench/notifier/sockets.ts [--sockets 10000] [--revocations 1000]
 * Both processes stay under the machine's open-file limit (20,000 here): one fd per socket each.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTokenEvent } from '@tessera/contracts';
import { ensureBucket, ensureStream, provisionStreams, publishJson, Topology } from '@tessera/platform';
import { freePort, startNatsServer, waitFor } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import WebSocket from 'ws';
import { formatLatency, hr, latencySummary, machine, MiB, msBetween, rssOf } from '../lib/stats.js';
import { AUDIENCE, ISSUER, TokenMinter, USER_AGENT, type Minted } from './token-minter.js';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '10000' },
    revocations: { type: 'string', default: '1000' },
    'per-user': { type: 'string', default: '10' },
    /** Time between the five RSS readings (a short run: less settling, less precise memory). */
    'settle-ms': { type: 'string', default: '1000' },
  },
});
const SOCKETS = Number(args.sockets);
const REVOCATIONS = Math.min(Number(args.revocations), SOCKETS);
const PER_USER = Number(args['per-user']);
const SETTLE_MS = Number(args['settle-ms']);
const root = new URL('../..', import.meta.url).pathname;

interface Client {
  ws: WebSocket;
  minted: Minted | null;
  /** Resolves with the arrival instant of the first TOKEN_REVOKED. */
  revoked: Promise<bigint>;
}

function openClient(url: string, minted: Minted | null): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { 'user-agent': USER_AGENT, ...(minted ? { authorization: `Bearer ${minted.token}` } : {}) }, perMessageDeflate: false });
    let onRevoked!: (at: bigint) => void;
    const revoked = new Promise<bigint>((r) => (onRevoked = r));
    ws.on('message', (data) => {
      const text = String(data);
      if (text.includes('"SUBSCRIBED"')) resolve({ ws, minted, revoked });
      else if (text.includes('"TOKEN_REVOKED"')) onRevoked(hr());
      else if (text.includes('"ERROR"')) reject(new Error(`socket refused: ${text}`));
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'SUBSCRIBE', userId: minted?.userId ?? randomUUID() })));
    ws.once('error', reject);
  });
}

async function openAll(url: string, tokens: Array<Minted | null>, inFlight = 200): Promise<{ clients: Client[]; seconds: number }> {
  const clients: Client[] = new Array(tokens.length);
  const started = hr();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < tokens.length) {
        const i = next++;
        clients[i] = await openClient(url, tokens[i]!);
      }
    }),
  );
  return { clients, seconds: msBetween(started, hr()) / 1000 };
}

/** Median of five readings SETTLE_MS (a second) apart, after the sockets' set-up garbage has had time to go. */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    readings.push(rssOf(pid));
  }
  return readings.sort((a, b) => a - b)[2]!;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const nats = await startNatsServer();
  const minter = await TokenMinter.start();
  const topology = new Topology({ namespace: 'benchws', eventsMaxAgeMs: 86_400_000 });
  const nc = await connect({ servers: nats.url });
  await provisionStreams(nc, topology);
  await ensureBucket(nc, { name: topology.revocationsBucket, maxAgeMs: 86_400_000 });
  const users = Array.from({ length: Math.ceil(SOCKETS / PER_USER) }, () => randomUUID());
  const tokens = await Promise.all(Array.from({ length: SOCKETS }, (_, i) => minter.mint(users[i % users.length]!)));

  // The notifier under test.
  const port = await freePort();
  const notifier = spawn(process.execPath, ['--import', 'tsx', 'services/notifier/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NATS_URL: nats.url,
      NATS_NAMESPACE: topology.namespace,
      JWKS_URL: minter.jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      LOG_LEVEL: 'error',
      WS_MAX_CONNECTIONS: String(SOCKETS + 100),
      WS_MAX_CONNECTIONS_PER_USER: String(PER_USER),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null))?.ok, { what: 'notifier ready', timeoutMs: 60_000 });
  const notifierIdle = await settledRss(notifier.pid!);
  const held = await openAll(`ws://127.0.0.1:${port}/ws/tokens`, tokens);
  const notifierHolding = await settledRss(notifier.pid!);

  // Fan-out with every socket open: TokenRevoked for one socket's token at a time.
  const js = jetstream(nc);
  await ensureStream(await jetstreamManager(nc), { name: 'BENCH_HOP', subjects: ['benchhop.>'], maxAgeMs: 3_600_000 });
  const anchorStream = await js.consumers.get('BENCH_HOP', { filter_subjects: 'benchhop.>', deliver_policy: DeliverPolicy.New });
  const anchorMessages = await anchorStream.consume();
  const anchorWaiters = new Map<string, (at: bigint) => void>();
  void (async () => {
    for await (const m of anchorMessages) anchorWaiters.get(m.subject)?.(hr());
  })();
  const hop: number[] = [];
  const delivery: number[] = [];
  for (let i = 0; i < REVOCATIONS; i++) {
    const client = held.clients[i]!;
    const m = client.minted!;
    const event = createTokenEvent('TokenRevoked', {
      id: uuidv7(),
      occurredAt: new Date().toISOString(),
      userId: m.userId,
      actor: { kind: 'admin', id: 'bench' },
      data: { tokenId: m.tokenId, tokenType: 'ACCESS', familyId: m.sessionId, reason: 'benchmark', expiresAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    // From the publish call, not its ack: the event can reach the socket before the ack is back.
    const sent = hr();
    await publishJson(js, topology.tokenEventSubject('TokenRevoked', m.userId), event, { msgId: event.id });
    delivery.push(msBetween(sent, await client.revoked));

    const subject = `benchhop.${i}`;
    const arrived = new Promise<bigint>((r) => anchorWaiters.set(subject, r));
    const anchorSent = hr();
    await js.publish(subject, '{}');
    hop.push(msBetween(anchorSent, await arrived));
    anchorWaiters.delete(subject);
  }
  const connectSeconds = held.seconds;
  for (const c of held.clients) c.ws.terminate();
  await stopChild(notifier);
  await anchorMessages.close();

  // The anchor: a bare ws server holding as many sockets.
  const barePort = await freePort();
  const bare = fork(new URL('./bare-ws-server.ts', import.meta.url).pathname, { execArgv: ['--import', 'tsx'], env: { ...process.env, PORT: String(barePort) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((r) => bare.once('message', r));
  const bareIdle = await settledRss(bare.pid!);
  const bareHeld = await openAll(`ws://127.0.0.1:${barePort}/`, tokens.map(() => null));
  const bareHolding = await settledRss(bare.pid!);
  for (const c of bareHeld.clients) c.ws.terminate();
  await stopChild(bare);

  const perThousand = (idle: number, holding: number) => ((holding - idle) / SOCKETS) * 1000 / MiB;
  const result = {
    sockets: SOCKETS,
    perUser: PER_USER,
    revocations: REVOCATIONS,
    settleMs: SETTLE_MS,
    notifier: { idleMiB: notifierIdle / MiB, holdingMiB: notifierHolding / MiB, mibPer1000: perThousand(notifierIdle, notifierHolding), connectSeconds },
    bareWs: { idleMiB: bareIdle / MiB, holdingMiB: bareHolding / MiB, mibPer1000: perThousand(bareIdle, bareHolding), connectSeconds: bareHeld.seconds },
    delivery: latencySummary(delivery),
    jetstreamHop: latencySummary(hop),
  };
  console.log(`notifier sockets — ${machine()}, private nats-server ${nc.info?.version}`);
  console.log(`parameters: ${SOCKETS} sockets (${users.length} users × ${PER_USER}), each authenticated (ES256 header token) and subscribed; ${REVOCATIONS} revocations one at a time; RSS from /proc, median of 5 readings ${SETTLE_MS} ms apart; no CPU pinning`);
  console.log(`  notifier:  idle ${result.notifier.idleMiB.toFixed(1)} MiB → ${result.notifier.holdingMiB.toFixed(1)} MiB holding ${SOCKETS} sockets = ${result.notifier.mibPer1000.toFixed(2)} MiB per 1,000 sockets (opened in ${connectSeconds.toFixed(1)} s)`);
  console.log(`  anchor, bare ws server: idle ${result.bareWs.idleMiB.toFixed(1)} MiB → ${result.bareWs.holdingMiB.toFixed(1)} MiB = ${result.bareWs.mibPer1000.toFixed(2)} MiB per 1,000 sockets (opened in ${bareHeld.seconds.toFixed(1)} s)`);
  console.log(`  ratio notifier / bare ws per socket: ${(result.notifier.mibPer1000 / result.bareWs.mibPer1000).toFixed(2)}×`);
  console.log(`  TokenRevoked published → TOKEN_REVOKED at its socket, ${SOCKETS} sockets open: ${formatLatency(delivery)}`);
  console.log(`  anchor: bare JetStream hop, published → ordered consumer in this process:        ${formatLatency(hop)}`);
  console.log(`RESULT ${JSON.stringify(result)}`);
  await nc.close();
  minter.close();
  await nats.dispose();
}

await main();
process.exit(0);
