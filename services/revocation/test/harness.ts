// Shared set-up for the revocation integration tests: the service in-process on port 0 under a
// private NATS namespace, a publisher connection, and event builders.
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTokenEvent, type TokenEvent, type TokenEventOf, type TokenEventType } from '@tessera/contracts';
import { createLogger, loadConfig, publishJson, Topology, topologySettings, type RunningService } from '@tessera/platform';
import { testNatsUrl, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import { RevocationConfig } from '../src/config.js';
import { startRevocation } from '../src/service.js';

export function testConfig(namespace: string, env: Record<string, string> = {}): RevocationConfig {
  return loadConfig(RevocationConfig, { PORT: '0', HOST: '127.0.0.1', NATS_URL: testNatsUrl(), NATS_NAMESPACE: namespace, LOG_LEVEL: 'silent', ...env });
}

export function newNamespace(): string {
  return `rv${uniqueSuffix()}`;
}

export async function startService(namespace: string, env: Record<string, string> = {}): Promise<RunningService & { base: string }> {
  const config = testConfig(namespace, env);
  const service = await startRevocation(config, createLogger({ service: 'revocation-test', level: config.LOG_LEVEL }));
  return Object.assign(service, { base: `http://127.0.0.1:${service.port}` });
}

export interface Bus {
  nc: NatsConnection;
  js: JetStreamClient;
  topology: Topology;
  publish(event: TokenEvent, msgId?: string): Promise<void>;
  kv(): Promise<KV>;
  /** Waits until the durable consumer has acked everything in the stream. */
  drained(): Promise<void>;
  /** Deletes the namespace's streams and bucket, then closes. */
  dispose(): Promise<void>;
}

export async function openBus(namespace: string): Promise<Bus> {
  const nc = await connect({ servers: testNatsUrl() });
  const js = jetstream(nc);
  const topology = new Topology(topologySettings(testConfig(namespace)));
  return {
    nc,
    js,
    topology,
    async publish(event, msgId = event.id) {
      await publishJson(js, topology.tokenEventSubject(event.type, event.userId), event, { msgId });
    },
    kv: () => new Kvm(nc).open(topology.revocationsBucket),
    async drained() {
      const jsm = await jetstreamManager(nc);
      const stream = topology.streams.tokenEvents.name;
      await waitFor(
        async () => {
          const last = (await jsm.streams.info(stream)).state.last_seq;
          const info = await jsm.consumers.info(stream, 'revocation');
          return info.ack_floor.stream_seq >= last && info.num_ack_pending === 0 && info.num_pending === 0;
        },
        { what: 'revocation consumer to ack every event', timeoutMs: 15_000 },
      );
    },
    async dispose() {
      const jsm = await jetstreamManager(nc);
      const { tokenEvents, dlq, keyEvents } = topology.streams;
      for (const name of [tokenEvents.name, dlq.name, keyEvents.name, `KV_${topology.revocationsBucket}`]) await jsm.streams.delete(name).catch(() => undefined);
      await nc.close();
    },
  };
}

/** A valid event of `type` happening now (or at `occurredAt`), for `userId`. */
export function tokenEvent<T extends TokenEventType>(type: T, userId: string, data: TokenEventOf<T>['data'], occurredAt = new Date()): TokenEventOf<T> {
  return createTokenEvent(type, { id: uuidv7(), occurredAt: occurredAt.toISOString(), userId, actor: { kind: 'user', id: userId }, data } as Omit<TokenEventOf<T>, 'type' | 'schemaVersion'>);
}

export const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** The value of one Prometheus sample whose labels include `labels` (any order), or undefined. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return undefined;
}
