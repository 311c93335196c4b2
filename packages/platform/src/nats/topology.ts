import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  CONSUMERS,
  KEY_ROTATED_SUBJECT,
  KV_BUCKET,
  STREAMS,
  dlqSubject,
  parseTokenEventSubject,
  tokenEventSubject,
  userEventsFilter,
  type TokenEventName,
  type TokenEventType,
} from '@tessera/contracts';
import { ensureConsumer, ensureStream, type StreamSpec } from './provision.js';

export type ConsumerKey = keyof typeof CONSUMERS;

export interface TopologySettings {
  /** `NATS_NAMESPACE`: empty in production; tests and side-by-side deployments set one. */
  namespace: string;
  /** Stream max age: at least the longest refresh-token lifetime (DESIGN §3). */
  eventsMaxAgeMs: number;
  replicas?: number;
}

/**
 * The DESIGN §3 names, optionally under a namespace: `TOKEN_EVENTS` becomes `<ns>_TOKEN_EVENTS`
 * and `tokens.revoked.<user>` becomes `<ns>.tokens.revoked.<user>`. With an empty namespace the
 * names are exactly the contract's. Every service builds its subjects through this, so a test
 * file can own a whole private copy of the topology on the shared NATS server.
 */
export class Topology {
  readonly namespace: string;
  private readonly subjectPrefix: string;
  private readonly namePrefix: string;

  constructor(readonly settings: TopologySettings) {
    this.namespace = settings.namespace;
    this.subjectPrefix = settings.namespace ? `${settings.namespace}.` : '';
    this.namePrefix = settings.namespace ? `${settings.namespace}_` : '';
  }

  get streams(): { tokenEvents: StreamSpec; dlq: StreamSpec; keyEvents: StreamSpec } {
    const spec = (s: { name: string; subjects: readonly string[] }): StreamSpec => ({
      name: this.name(s.name),
      subjects: s.subjects.map((subject) => this.subject(subject)),
      maxAgeMs: this.settings.eventsMaxAgeMs,
      replicas: this.settings.replicas ?? 1,
    });
    return { tokenEvents: spec(STREAMS.TOKEN_EVENTS), dlq: spec(STREAMS.TOKEN_EVENTS_DLQ), keyEvents: spec(STREAMS.KEY_EVENTS) };
  }

  get revocationsBucket(): string {
    return this.name(KV_BUCKET.REVOCATIONS);
  }

  get keyRotatedSubject(): string {
    return this.subject(KEY_ROTATED_SUBJECT);
  }

  get allTokenEvents(): string {
    return this.subject('tokens.>');
  }

  tokenEventSubject(event: TokenEventType | TokenEventName, userId: string): string {
    return this.subject(tokenEventSubject(event, userId));
  }

  /** The subject an event is published on, and so the one a consumer expects it on. */
  tokenEventSubjectOf(event: { type: TokenEventType; userId: string }): string {
    return this.tokenEventSubject(event.type, event.userId);
  }

  userEventsFilter(userId: string): string {
    return this.subject(userEventsFilter(userId));
  }

  parseTokenEventSubject(subject: string): ReturnType<typeof parseTokenEventSubject> {
    if (!subject.startsWith(this.subjectPrefix)) return null;
    return parseTokenEventSubject(subject.slice(this.subjectPrefix.length));
  }

  dlqSubject(durable: string): string {
    return this.subject(dlqSubject(durable));
  }

  /**
   * A consumer's filter subjects. nats-server before 2.10 takes a single filter: there the
   * consumer reads every token event and its handler acks the types it does not act on.
   */
  consumerFilters(key: ConsumerKey, multipleFiltersSupported: boolean): string[] {
    const consumer = CONSUMERS[key];
    if (consumer.filterSubjects.length > 1 && !multipleFiltersSupported) return [this.allTokenEvents];
    return consumer.filterSubjects.map((s) => this.subject(s));
  }

  /** Whether a token event type is one the consumer acts on (for servers without multi-filters). */
  consumerHandles(key: ConsumerKey, type: TokenEventType): boolean {
    const events = CONSUMERS[key].events as readonly TokenEventType[] | null;
    return events === null || events.includes(type);
  }

  private subject(s: string): string {
    return `${this.subjectPrefix}${s}`;
  }

  private name(n: string): string {
    return `${this.namePrefix}${n}`;
  }
}

export function serverVersionAtLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = (nc.info?.version ?? '0.0.0').split('.').map(Number);
  return maj > major || (maj === major && min >= minor);
}

/**
 * Creates the three streams if missing. Only the owner of the streams (token-api, the writer)
 * passes `converge`, which also brings existing streams to its settings: two services with
 * different settings would otherwise flip the stream config back and forth at every start.
 */
export async function provisionStreams(nc: NatsConnection, topology: Topology, options: { converge?: boolean } = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const { tokenEvents, dlq, keyEvents } = topology.streams;
  for (const spec of [tokenEvents, dlq, keyEvents]) await ensureStream(jsm, spec, { converge: options.converge ?? false });
}

/** Streams plus one of the DESIGN §3 durable consumers, with the right filters for this server. */
export async function provisionConsumer(nc: NatsConnection, topology: Topology, key: ConsumerKey, options: { maxDeliver: number; ackWaitMs?: number }): Promise<void> {
  await provisionStreams(nc, topology);
  const jsm = await jetstreamManager(nc);
  await ensureConsumer(jsm, {
    stream: topology.streams.tokenEvents.name,
    durable: CONSUMERS[key].durable,
    filterSubjects: topology.consumerFilters(key, serverVersionAtLeast(nc, 2, 10)),
    maxDeliver: options.maxDeliver,
    ackWaitMs: options.ackWaitMs,
  });
}
