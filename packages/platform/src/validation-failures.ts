// Refused tokens become audit events without letting an attacker flood the stream: failures are
// counted per (userId, reason, clientIp) in tumbling windows and each key yields one
// TokenValidationFailed per window; past a fixed number of keys per window new keys are dropped
// and counted. So a replica publishes at most `maxEventsPerWindow` events per window and holds
// at most that many keys in memory, however many bad tokens it is sent.
import {
  createTokenEvent,
  IpAddress,
  UNKNOWN_USER_ID,
  Uuid,
  ValidationFailureReason,
  type Actor,
  type TokenValidationFailed,
} from '@tessera/contracts';
import { Counter, Registry } from 'prom-client';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from './logger.js';

/** One refused token, as the validator saw it. */
export interface ValidationFailure {
  reason: ValidationFailureReason;
  /**
   * The token's `sub`, only when its signature verified: an unverified claim is attacker-chosen.
   * Absent (or not a UUID) means unknown, recorded as UNKNOWN_USER_ID.
   */
  userId?: string;
  /** The token's `jti`, when it could be read. */
  tokenId?: string;
  clientIp: string;
  userAgent: string;
}

export interface ValidationFailureReporterOptions {
  /** Publishes one event (e.g. publishJson to its subject with msgId = event.id). */
  publish: (event: TokenValidationFailed) => Promise<unknown>;
  /** Tumbling window, aligned to multiples of itself since the epoch. Default 60 s. */
  windowMs?: number;
  /** Distinct keys (so events) per window; failures for further keys are dropped. Default 1000. */
  maxEventsPerWindow?: number;
  /** Who emits the events. Default `{ kind: 'service', id: 'token-validation' }`. */
  actor?: Actor;
  /** Where the counters go; several reporters may share one registry. */
  registry?: Registry;
  logger?: Logger;
  now?: () => number;
  newId?: () => string;
}

export interface ValidationFailureReporter {
  /** Counts one failure; never throws for untrusted input, never waits. */
  record(failure: ValidationFailure): void;
  /** Closes the current window now and waits until its events are published. */
  flush(): Promise<void>;
  /** Flushes, then ignores further records. */
  stop(): Promise<void>;
}

export type ValidationFailureDropCause = 'window_bound' | 'invalid_input';

interface Aggregate {
  userId: string;
  reason: ValidationFailureReason;
  clientIp: string;
  userAgent: string;
  tokenId: string | undefined;
  count: number;
}

interface Window {
  start: number;
  aggregates: Map<string, Aggregate>;
  timer: NodeJS.Timeout;
}

const MAX_USER_AGENT = 512;

export function createValidationFailureReporter(options: ValidationFailureReporterOptions): ValidationFailureReporter {
  const windowMs = options.windowMs ?? 60_000;
  const maxEventsPerWindow = options.maxEventsPerWindow ?? 1000;
  if (!Number.isInteger(windowMs) || windowMs < 1) throw new TypeError('windowMs must be a positive integer');
  if (!Number.isInteger(maxEventsPerWindow) || maxEventsPerWindow < 1) throw new TypeError('maxEventsPerWindow must be a positive integer');
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => uuidv7());
  const actor = options.actor ?? { kind: 'service', id: 'token-validation' };
  const metrics = reporterMetrics(options.registry ?? new Registry());

  let current: Window | null = null;
  let publishing: Promise<void> = Promise.resolve();
  let stopped = false;

  const closeWindow = (window: Window) => {
    clearTimeout(window.timer);
    if (current === window) current = null;
    const windowEnd = window.start + windowMs;
    const aggregates = [...window.aggregates.values()];
    publishing = publishing.then(() => publishAll(aggregates, window.start, windowEnd));
  };

  const publishAll = async (aggregates: Aggregate[], windowStart: number, windowEnd: number) => {
    for (const aggregate of aggregates) {
      try {
        const event = createTokenEvent('TokenValidationFailed', {
          id: newId(),
          occurredAt: new Date(Math.max(now(), windowEnd)).toISOString(),
          userId: aggregate.userId,
          actor,
          data: {
            reason: aggregate.reason,
            ...(aggregate.tokenId !== undefined ? { tokenId: aggregate.tokenId } : {}),
            clientIp: aggregate.clientIp,
            userAgent: aggregate.userAgent,
            count: aggregate.count,
            windowStart: new Date(windowStart).toISOString(),
            windowEnd: new Date(windowEnd).toISOString(),
          },
        });
        await options.publish(event);
        metrics.events.inc({ outcome: 'published' });
      } catch (error) {
        // At most once: a lost aggregate weakens detection for one window; retrying would let a
        // NATS outage grow this process's memory without bound.
        metrics.events.inc({ outcome: 'publish_failed' });
        options.logger?.warn({ err: error, reason: aggregate.reason }, 'could not publish a validation-failure aggregate');
      }
    }
  };

  const windowFor = (at: number): Window => {
    const start = Math.floor(at / windowMs) * windowMs;
    if (current !== null && current.start === start) return current;
    if (current !== null) closeWindow(current);
    const window: Window = { start, aggregates: new Map(), timer: setTimeout(() => closeWindow(window), start + windowMs - at) };
    window.timer.unref?.();
    current = window;
    return window;
  };

  const flush = async () => {
    if (current !== null) closeWindow(current);
    await publishing;
  };

  return {
    flush,
    async stop() {
      stopped = true;
      await flush();
    },
    record(failure) {
      if (stopped) return;
      const reason = ValidationFailureReason.safeParse(failure.reason);
      if (!reason.success) throw new TypeError(`unknown validation failure reason ${JSON.stringify(failure.reason)}`);
      if (!IpAddress.safeParse(failure.clientIp).success) {
        metrics.dropped.inc({ cause: 'invalid_input' });
        return;
      }
      const userId = failure.userId !== undefined && Uuid.safeParse(failure.userId).success ? failure.userId.toLowerCase() : UNKNOWN_USER_ID;
      const window = windowFor(now());
      const key = `${userId} ${reason.data} ${failure.clientIp}`;
      const existing = window.aggregates.get(key);
      if (existing) {
        existing.count += 1;
      } else if (window.aggregates.size >= maxEventsPerWindow) {
        metrics.dropped.inc({ cause: 'window_bound' });
        return;
      } else {
        window.aggregates.set(key, {
          userId,
          reason: reason.data,
          clientIp: failure.clientIp,
          userAgent: typeof failure.userAgent === 'string' ? failure.userAgent.slice(0, MAX_USER_AGENT) : '',
          tokenId: failure.tokenId !== undefined && Uuid.safeParse(failure.tokenId).success ? failure.tokenId.toLowerCase() : undefined,
          count: 1,
        });
      }
      metrics.recorded.inc({ reason: reason.data });
    },
  };
}

/** Counters are looked up first so two reporters (token-api and its verifier) can share a registry. */
function reporterMetrics(registry: Registry) {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  return {
    recorded: counter('validation_failures_recorded_total', 'Refused tokens counted into a TokenValidationFailed aggregate, by reason', ['reason']),
    dropped: counter('validation_failures_dropped_total', 'Refused tokens not reported: past the per-window key bound, or unusable input', ['cause']),
    events: counter('validation_failure_events_total', 'TokenValidationFailed events, by publish outcome', ['outcome']),
  };
}
