// A live copy of the REVOCATIONS bucket: an ordered consumer on the bucket's stream reads the last
// value of every key (the snapshot), then every change as it is written. The first snapshot is
// complete when the consumer reports nothing pending. While NATS is unreachable the copy keeps its
// last state and reports for how long it has been cut off; the verifier's policy decides what
// that means for a token (see createVerifier's `revocation` options).
import { DeliverPolicy, JetStreamApiError, jetstream, jetstreamManager, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RevocationIndex, type RevocationView } from './index-state.js';

export interface RevocationMirrorOptions {
  /** The caller's connection (or a promise of it, for services that connect in the background). */
  connection: NatsConnection | Promise<NatsConnection>;
  /** Bucket name as the owner created it (namespaced in tests), without the `KV_` prefix. */
  bucket: string;
  now?: () => number;
  /** Pause before watching again after the watch failed or the bucket did not exist yet. */
  retryDelayMs?: number;
  /** How often entries past their TTL are dropped from memory. */
  pruneIntervalMs?: number;
  onEvent?: (event: MirrorEvent) => void;
}

export type MirrorEvent =
  | { type: 'loaded'; entries: number; ms: number }
  | { type: 'bucket_missing'; bucket: string }
  | { type: 'watch_failed'; error: string }
  | { type: 'invalid_entry'; key: string }
  /** One change applied (after the snapshot too): from here on every check sees it. */
  | { type: 'applied'; key: string; operation: 'PUT' | 'DEL' | 'PURGE' }
  | { type: 'disconnected' }
  | { type: 'reconnected' };

export interface MirrorStatus {
  /** The snapshot is complete and the connection is up. */
  current: boolean;
  loaded: boolean;
  connected: boolean;
  /** 0 while current; Infinity before the first complete load. */
  staleForMs: number;
  lastChangeAt: number | null;
  entries: { tokens: number; sessions: number; users: number };
}

const KV_OPERATION = 'KV-Operation';
/** Returned on the hot path while current: no allocation per check. */
const CURRENT = Object.freeze({ current: true, staleForMs: 0 });
const NATS_TTL = 'Nats-TTL';

export class RevocationMirror implements RevocationView {
  private index = new RevocationIndex();
  private readonly now: () => number;
  private readonly startedAt: number;
  private nc: NatsConnection | null = null;
  private loaded = false;
  private connected = false;
  private cutOffSince: number;
  private lastChangeAt: number | null = null;
  private maxAgeMs = Number.POSITIVE_INFINITY;
  private messages: ConsumerMessages | null = null;
  private closed = false;
  private pruneTimer: NodeJS.Timeout | null = null;
  private statusIterator: { stop(): void } | null = null;
  private readonly loadedWaiters: Array<() => void> = [];
  private running: Promise<void> | null = null;

  constructor(private readonly options: RevocationMirrorOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.cutOffSince = this.startedAt;
  }

  /** Starts watching in the background. Idempotent. */
  start(): this {
    if (!this.running) {
      this.running = this.run();
      const interval = this.options.pruneIntervalMs ?? 30_000;
      this.pruneTimer = setInterval(() => this.index.prune(this.now()), interval);
      this.pruneTimer.unref();
    }
    return this;
  }

  /** Resolves when the first snapshot is complete; rejects after `timeoutMs`. */
  ready(timeoutMs = 10_000): Promise<void> {
    if (this.loaded) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`revocation mirror of ${this.options.bucket} not loaded within ${timeoutMs} ms`)), timeoutMs);
      this.loadedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  isCurrent(): boolean {
    return this.loaded && this.connected;
  }

  freshness(): { current: boolean; staleForMs: number } {
    if (this.isCurrent()) return CURRENT;
    if (!this.loaded) return { current: false, staleForMs: Number.POSITIVE_INFINITY };
    return { current: false, staleForMs: Math.max(0, this.now() - this.cutOffSince) };
  }

  status(): MirrorStatus {
    const { current, staleForMs } = this.freshness();
    return { current, loaded: this.loaded, connected: this.connected, staleForMs, lastChangeAt: this.lastChangeAt, entries: this.index.size() };
  }

  revokedToken(tokenId: string) {
    return this.index.revokedToken(tokenId);
  }

  revokedSession(sessionId: string) {
    return this.index.revokedSession(sessionId);
  }

  userNotBefore(userId: string) {
    return this.index.userNotBefore(userId);
  }

  /** The revoked-token entries with their revisions (the bucket owner's cleanup reads these). */
  tokenEntries(): ReadonlyMap<string, { value: { exp: number }; revision: number }> {
    return this.index.tokens;
  }

  size(): { tokens: number; sessions: number; users: number } {
    return this.index.size();
  }

  /** Stops watching. The connection is the caller's and stays open. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.statusIterator?.stop();
    await this.messages?.close().catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const nc = await this.options.connection;
    if (this.closed) return;
    this.nc = nc;
    this.connected = !nc.isClosed();
    void this.followConnection(nc);
    while (!this.closed && !nc.isClosed()) {
      try {
        await this.watch(nc);
      } catch (error) {
        if (this.closed) return;
        if (error instanceof JetStreamApiError && error.status === 404) this.emit({ type: 'bucket_missing', bucket: this.options.bucket });
        else this.emit({ type: 'watch_failed', error: error instanceof Error ? error.message : String(error) });
      }
      if (!this.closed) await sleep(this.options.retryDelayMs ?? 1_000);
    }
  }

  /**
   * One watch from a fresh snapshot. The snapshot fills a new index while the old one keeps
   * answering, and replaces it once complete, so a re-watch never shows a half-empty list.
   */
  private async watch(nc: NatsConnection): Promise<void> {
    const stream = `KV_${this.options.bucket}`;
    const prefix = `$KV.${this.options.bucket}.`;
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    this.maxAgeMs = info.config.max_age > 0 ? info.config.max_age / 1_000_000 : Number.POSITIVE_INFINITY;
    const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: `${prefix}>`, deliver_policy: DeliverPolicy.LastPerSubject });
    const pending = (await consumer.info(true)).num_pending;
    const startedAt = this.now();
    const fresh = new RevocationIndex();
    let target = this.loaded ? fresh : this.index;
    let snapshotDone = false;
    const finishSnapshot = () => {
      snapshotDone = true;
      if (target !== this.index) {
        this.index = target;
        target = this.index;
      }
      if (!this.loaded) {
        this.loaded = true;
        for (const resolve of this.loadedWaiters.splice(0)) resolve();
      }
      this.emit({ type: 'loaded', entries: total(this.index.size()), ms: this.now() - startedAt });
    };
    if (pending === 0) finishSnapshot();

    const messages = await consumer.consume();
    this.messages = messages;
    if (this.closed) await messages.close();
    for await (const msg of messages) {
      this.applyMessage(target, msg, prefix);
      if (!snapshotDone && msg.info.pending === 0) finishSnapshot();
    }
  }

  private applyMessage(target: RevocationIndex, msg: JsMsg, prefix: string): void {
    const key = msg.subject.slice(prefix.length);
    const operation = msg.headers?.get(KV_OPERATION) ?? '';
    const writtenAt = Math.floor(msg.info.timestampNanos / 1_000_000);
    const meta = { revision: msg.seq, writtenAt, ttlMs: ttlFromHeader(msg.headers?.get(NATS_TTL)) ?? this.maxAgeMs };
    let value: unknown = null;
    if (operation !== 'DEL' && operation !== 'PURGE') {
      try {
        value = msg.json();
      } catch {
        value = undefined;
      }
    }
    const outcome = target.apply(key, value, meta);
    this.lastChangeAt = this.now();
    if (outcome === 'invalid_value') this.emit({ type: 'invalid_entry', key });
    if (this.options.onEvent && target === this.index) this.emit({ type: 'applied', key, operation: operation === 'DEL' || operation === 'PURGE' ? operation : 'PUT' });
  }

  private async followConnection(nc: NatsConnection): Promise<void> {
    void nc.closed().then(() => {
      if (this.connected) this.cutOffSince = this.now();
      this.connected = false;
    });
    const iterator = nc.status()[Symbol.asyncIterator]();
    this.statusIterator = { stop: () => void iterator.return?.() };
    for await (const s of { [Symbol.asyncIterator]: () => iterator }) {
      if (this.closed) break;
      if (s.type === 'disconnect' && this.connected) {
        this.connected = false;
        this.cutOffSince = this.now();
        this.emit({ type: 'disconnected' });
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.emit({ type: 'reconnected' });
      }
    }
  }

  private emit(event: MirrorEvent): void {
    this.options.onEvent?.(event);
  }
}

/** `Nats-TTL` as the writer sets it: seconds, with or without an `s` suffix. */
function ttlFromHeader(header: string | undefined): number | undefined {
  const match = header ? /^(\d+)s?$/.exec(header) : null;
  return match ? Number(match[1]) * 1000 : undefined;
}

function total(size: { tokens: number; sessions: number; users: number }): number {
  return size.tokens + size.sessions + size.users;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
