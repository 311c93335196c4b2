// Shared pieces of the propagation benchmarks: the revocation service and the verifier process
// as children, arrival tracking over IPC, background load, and percentile summaries.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createTokenEvent } from '@tessera/contracts';
import { publishJson, type Topology } from '@tessera/platform';
import { waitFor } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import type { VerifierSetup } from './propagation-verifier.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const hr = () => process.hrtime.bigint();
export const ms = (ns: bigint) => Number(ns) / 1e6;
export const pause = (lo = 2, hi = 5) => new Promise((r) => setTimeout(r, lo + Math.random() * (hi - lo)));

export function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
  return `n=${s.length}  p50 ${q(50).toFixed(2)} ms  p90 ${q(90).toFixed(2)} ms  p99 ${q(99).toFixed(2)} ms  max ${s[s.length - 1]!.toFixed(2)} ms`;
}

/** The real revocation service in its own process; resolves once its consumer is pulling. */
export async function startRevocationProcess(nc: NatsConnection, natsUrl: string, topology: Topology): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/revocation/src/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NATS_URL: natsUrl, NATS_NAMESPACE: topology.namespace, LOG_LEVEL: 'error', JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json', BLACKLIST_CLEANUP_INTERVAL_SECONDS: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const jsm = await jetstreamManager(nc);
  await waitFor(async () => (await jsm.consumers.info(topology.streams.tokenEvents.name, 'revocation').catch(() => null))?.num_waiting, { what: 'revocation consumer pulling', timeoutMs: 60_000 });
  return child;
}

export interface VerifierProcess {
  child: ChildProcess;
  /** Resolves with the monotonic instant the verifier process reports for `key` (a jti or anchor id). */
  arrival(key: string, timeoutMs?: number): Promise<bigint>;
}

/** bench/verifier/propagation-verifier.ts in its own process, set up and warmed. */
export async function startVerifierProcess(setup: VerifierSetup): Promise<VerifierProcess> {
  const child = fork(fileURLToPath(new URL('./propagation-verifier.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = new Map<string, (at: bigint) => void>();
  const early = new Map<string, bigint>();
  let ready!: () => void;
  let failed!: (error: Error) => void;
  const readyPromise = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
  child.on('message', (m: { type: string; key?: string; at?: string; error?: string }) => {
    if (m.type === 'ready') ready();
    else if (m.type === 'error') failed(new Error(m.error));
    else if (m.key !== undefined && m.at !== undefined) {
      const waiter = waiters.get(m.key);
      if (waiter) waiter(BigInt(m.at));
      else early.set(m.key, BigInt(m.at)); // refused before the driver started waiting (HTTP mode)
    }
  });
  child.send({ type: 'setup', ...setup });
  await readyPromise;
  return {
    child,
    arrival(key, timeoutMs = 10_000) {
      const known = early.get(key);
      if (known !== undefined) {
        early.delete(key);
        return Promise.resolve(known);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no report for ${key} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(key, (at) => {
          clearTimeout(timer);
          waiters.delete(key);
          resolve(at);
        });
      });
    },
  };
}

/** One bare JetStream hop per call: publish start → the verifier process's consumer receives. */
export async function measureAnchor(js: JetStreamClient, verifier: VerifierProcess, subject: string, count: number): Promise<number[]> {
  const hops: number[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const arrived = verifier.arrival(id);
    const start = hr();
    await js.publish(subject, id);
    hops.push(ms((await arrived) - start));
    await pause();
  }
  return hops;
}

/** Other users' revocations at `perSecond`, published like the outbox does, not awaited. */
export function backgroundRevocations(js: JetStreamClient, topology: Topology, perSecond: number): { stop(): number } {
  let sent = 0;
  const timer = setInterval(() => {
    const userId = randomUUID();
    const event = createTokenEvent('TokenRevoked', {
      id: uuidv7(),
      occurredAt: new Date().toISOString(),
      userId,
      actor: { kind: 'user', id: userId },
      data: { tokenId: uuidv7(), tokenType: Math.random() < 0.3 ? 'REFRESH' : 'ACCESS', familyId: randomUUID(), reason: 'background', expiresAt: new Date(Date.now() + 900_000).toISOString() },
    });
    // Not awaited: one still in flight when the run closes its connection fails, and is not counted.
    void publishJson(js, topology.tokenEventSubject('TokenRevoked', userId), event, { msgId: event.id }).then(
      () => sent++,
      () => undefined,
    );
  }, 1000 / perSecond);
  return {
    stop() {
      clearInterval(timer);
      return sent;
    },
  };
}
