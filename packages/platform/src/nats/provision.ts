import { AckPolicy, DeliverPolicy, DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

export interface StreamSpec {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  duplicateWindowMs?: number;
  replicas?: number;
}

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubjects: string[];
  /** Server-side bound: our consume loop dead-letters before this is reached. */
  maxDeliver: number;
  ackWaitMs?: number;
  maxAckPending?: number;
}

const isNotFound = (error: unknown) => error instanceof JetStreamApiError && error.status === 404;

/**
 * Creates the stream, or (with `converge`, the default) brings an existing one to the spec
 * (subjects, age, duplicate window). Safe to call from every replica at every start.
 */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec, options: { converge?: boolean } = {}): Promise<void> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: spec.subjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(spec.maxAgeMs),
    // The server refuses a duplicate window longer than the stream's max age.
    duplicate_window: nanos(Math.min(spec.duplicateWindowMs ?? 120_000, spec.maxAgeMs)),
    num_replicas: spec.replicas ?? 1,
  };
  try {
    const info = await jsm.streams.info(spec.name);
    if (options.converge === false) return;
    const current = info.config;
    const same =
      current.max_age === wanted.max_age &&
      current.duplicate_window === wanted.duplicate_window &&
      current.subjects.join(',') === spec.subjects.join(',');
    if (!same) await jsm.streams.update(spec.name, { ...current, ...wanted } as StreamConfig);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    try {
      await jsm.streams.add(wanted);
    } catch (addError) {
      // Another replica created it between our info and add: fine, it has the same spec.
      if (!(addError instanceof JetStreamApiError && addError.message.includes('already in use'))) throw addError;
    }
  }
}

/** Creates or updates a durable pull consumer with explicit acks. */
export async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const config = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs ?? 30_000),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending ?? 1000,
    ...(spec.filterSubjects.length === 1 ? { filter_subject: spec.filterSubjects[0] } : { filter_subjects: spec.filterSubjects }),
  };
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    const { deliver_policy: _fixed, ...updatable } = config;
    await jsm.consumers.update(spec.stream, spec.durable, updatable);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(spec.stream, config);
  }
}

export interface BucketSpec {
  name: string;
  /** Every entry is gone this long after its last write (bucket max_age). */
  maxAgeMs: number;
  replicas?: number;
}

/** Opens the KV bucket, creating it first if needed (history 1). */
export async function ensureBucket(nc: NatsConnection, spec: BucketSpec): Promise<KV> {
  const kvm = new Kvm(nc);
  return kvm.create(spec.name, { history: 1, ttl: spec.maxAgeMs, replicas: spec.replicas ?? 1 });
}

