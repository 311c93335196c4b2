import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import { extractTraceContext, getTracer } from '../telemetry.js';
import type { ConsumerMetrics } from './consumer-metrics.js';

/** The shape of a zod `safeParse` result, so any schema can be passed in. */
export type ParseResult<T> = { success: true; data: T } | { success: false; error: { message: string } };

export interface ConsumeLoopOptions<T> {
  js: JetStreamClient;
  stream: string;
  durable: string;
  parse: (data: unknown) => ParseResult<T>;
  /** Where messages that can never succeed are copied before being terminated. */
  dlqSubject: string;
  /** Handler attempts before a message is dead-lettered. */
  maxAttempts: number;
  /** Redelivery delay after the n-th failed attempt (1-based). */
  backoffMs?: (attempt: number) => number;
  logger: Logger;
  metrics?: ConsumerMetrics;
  /** Messages pulled at a time (and the largest batch handed to `handleBatch`). */
  batchSize?: number;
  /** Span attributes for a parsed message (ids, never secrets). */
  describe?: (item: T) => Record<string, string>;
  /**
   * The subject a parsed message belongs on (undefined: any). Consumers filter by subject and
   * apply by payload, so a message whose subject names another type or user (a producer bug)
   * would reach some consumers and not others: it is dead-lettered as `subject_mismatch`.
   */
  expectedSubject?: (item: T) => string | undefined;
}

export type DeadLetterReason = 'invalid_message' | 'subject_mismatch' | 'retries_exhausted';

export interface ParsedMessage<T> {
  event: T;
  msg: JsMsg;
}

export interface RunningConsumer {
  /** Stops pulling, lets in-flight work finish and ack, then resolves. */
  stop(): Promise<void>;
}

export const DLQ_HEADERS = {
  consumer: 'Tessera-Dlq-Consumer',
  reason: 'Tessera-Dlq-Reason',
  error: 'Tessera-Dlq-Error',
  subject: 'Tessera-Dlq-Original-Subject',
  streamSequence: 'Tessera-Dlq-Original-Sequence',
} as const;

const defaultBackoff = (attempt: number) => Math.min(30_000, 200 * 2 ** (attempt - 1));

/** One message at a time, in stream order: the handler's effect commits before the ack. */
export async function runConsumer<T>(options: ConsumeLoopOptions<T> & { handle: (event: T, msg: JsMsg) => Promise<void> }): Promise<RunningConsumer> {
  const loop = new ConsumeLoop(options, async (items) => {
    for (const item of items) await options.handle(item.event, item.msg);
  });
  return loop.start(false);
}

/**
 * Messages are handed over in batches (all that arrived together, up to `batchSize`), so a
 * projection can write them in one statement. If a batch fails, its messages are retried one by
 * one so a single bad message cannot hold the others back.
 */
export async function runBatchConsumer<T>(options: ConsumeLoopOptions<T> & { handleBatch: (items: ParsedMessage<T>[]) => Promise<void> }): Promise<RunningConsumer> {
  return new ConsumeLoop(options, options.handleBatch).start(true);
}

class ConsumeLoop<T> {
  private readonly backoff: (attempt: number) => number;

  constructor(
    private readonly options: ConsumeLoopOptions<T>,
    private readonly handleBatch: (items: ParsedMessage<T>[]) => Promise<void>,
  ) {
    this.backoff = options.backoffMs ?? defaultBackoff;
  }

  async start(batched: boolean): Promise<RunningConsumer> {
    const { js, stream, durable, batchSize = 100 } = this.options;
    const consumer = await js.consumers.get(stream, durable);
    const messages = await consumer.consume({ max_messages: batchSize });
    const done = batched ? this.runBatched(messages, batchSize) : this.runSequential(messages);
    return {
      stop: async () => {
        await messages.close();
        await done;
      },
    };
  }

  private async runSequential(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) await this.process([msg]);
  }

  /*
   * Collect what the iterator yields without waiting; when it would wait for the network (the
   * setImmediate fires) or the batch is full, hand up to batchSize messages to the handler. While
   * a batch is in flight, arrivals keep collecting and go as the next batch when it is done, so a
   * slow handler gets fewer, fuller batches (one commit for many messages) instead of a queue of
   * small ones. Order and at-most-one batch in flight hold; max_ack_pending bounds memory.
   */
  private async runBatched(messages: ConsumerMessages, batchSize: number): Promise<void> {
    const buffer: JsMsg[] = [];
    let inFlight: Promise<void> | null = null;
    let scheduled = false;
    const flush = () => {
      if (inFlight !== null || buffer.length === 0) return;
      const batch = buffer.splice(0, batchSize);
      inFlight = this.process(batch)
        .catch((error: unknown) => this.options.logger.error({ err: error, durable: this.options.durable }, 'batch processing failed'))
        .finally(() => {
          inFlight = null;
          flush();
        });
    };
    for await (const msg of messages) {
      buffer.push(msg);
      if (buffer.length >= batchSize) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      }
    }
    while (inFlight !== null || buffer.length > 0) {
      flush();
      await inFlight;
    }
  }

  private async process(msgs: JsMsg[]): Promise<void> {
    const valid: Array<ParsedMessage<T> & { span: Span }> = [];
    for (const msg of msgs) {
      const parsed = this.parse(msg);
      if (!parsed.success) {
        await this.deadLetter(msg, 'invalid_message', parsed.error.message);
        continue;
      }
      const expected = this.options.expectedSubject?.(parsed.data);
      if (expected !== undefined && expected !== msg.subject) await this.deadLetter(msg, 'subject_mismatch', `its payload belongs on ${expected}`);
      else valid.push({ event: parsed.data, msg, span: this.startSpan(msg, parsed.data) });
    }
    if (valid.length === 0) return;
    try {
      await context.with(trace.setSpan(context.active(), valid[0]!.span), () => this.handleBatch(valid));
      for (const item of valid) this.succeeded(item);
    } catch (error) {
      if (valid.length === 1) return this.failed(valid[0]!, error);
      // Isolate the failure: retry each message alone.
      for (const item of valid) {
        try {
          await context.with(trace.setSpan(context.active(), item.span), () => this.handleBatch([item]));
          this.succeeded(item);
        } catch (single) {
          await this.failed(item, single);
        }
      }
    }
  }

  private parse(msg: JsMsg): ParseResult<T> {
    let json: unknown;
    try {
      json = msg.json();
    } catch {
      return { success: false, error: { message: 'payload is not JSON' } };
    }
    return this.options.parse(json);
  }

  private startSpan(msg: JsMsg, event: T): Span {
    const parent = extractTraceContext(msg.headers);
    return getTracer().startSpan(
      `${this.options.durable} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': msg.subject,
          'messaging.consumer.group.name': this.options.durable,
          'messaging.message.id': msg.headers?.get('Nats-Msg-Id') ?? '',
          ...eventAttributes(event),
          ...(this.options.describe?.(event) ?? {}),
        },
      },
      parent,
    );
  }

  private succeeded(item: ParsedMessage<T> & { span: Span }): void {
    item.msg.ack();
    item.span.end();
    this.options.metrics?.processed(this.options.durable, 'acked', eventTime(item.event));
  }

  private async failed(item: ParsedMessage<T> & { span: Span }, error: unknown): Promise<void> {
    const attempt = item.msg.info.deliveryCount;
    const message = error instanceof Error ? error.message : String(error);
    item.span.recordException(error as Error);
    item.span.setStatus({ code: SpanStatusCode.ERROR, message });
    item.span.end();
    if (attempt >= this.options.maxAttempts) {
      this.options.logger.error({ err: error, durable: this.options.durable, attempt, subject: item.msg.subject }, 'handler failed for the last time, dead-lettering');
      await this.deadLetter(item.msg, 'retries_exhausted', message);
      return;
    }
    const delay = this.backoff(attempt);
    this.options.logger.warn({ err: error, durable: this.options.durable, attempt, retry_in_ms: delay }, 'handler failed, will retry');
    item.msg.nak(delay);
    this.options.metrics?.processed(this.options.durable, 'retried');
  }

  /**
   * Copies the message to the dead-letter stream, then terminates it so it is never redelivered.
   * If the copy cannot be made (NATS trouble), the message is nak'ed instead: nothing is lost.
   */
  private async deadLetter(msg: JsMsg, reason: DeadLetterReason, detail: string): Promise<void> {
    const h = natsHeaders();
    h.set(DLQ_HEADERS.consumer, this.options.durable);
    h.set(DLQ_HEADERS.reason, reason);
    h.set(DLQ_HEADERS.error, detail.slice(0, 1024).replace(/[\r\n]+/g, ' '));
    h.set(DLQ_HEADERS.subject, msg.subject);
    h.set(DLQ_HEADERS.streamSequence, String(msg.info.streamSequence));
    try {
      await this.options.js.publish(this.options.dlqSubject, msg.data, {
        msgID: `${this.options.durable}:${msg.info.stream}:${msg.info.streamSequence}`,
        headers: h,
      });
      // Plain +TERM: nats-server 2.9 ignores the '+TERM <reason>' form and would redeliver.
      msg.term();
      this.options.metrics?.processed(this.options.durable, 'dead_lettered');
      this.options.logger.warn({ durable: this.options.durable, reason, subject: msg.subject, stream_seq: msg.info.streamSequence }, 'message dead-lettered');
    } catch (error) {
      this.options.logger.error({ err: error, durable: this.options.durable }, 'could not dead-letter, will retry');
      msg.nak(this.backoff(msg.info.deliveryCount));
    }
  }
}

/** Ids of a token event for its span (event, user, token, type): ids only, never a token. */
function eventAttributes(event: unknown): Record<string, string> {
  const e = event as { id?: unknown; type?: unknown; userId?: unknown; data?: { tokenId?: unknown } } | null;
  const attributes: Record<string, string> = {};
  if (typeof e?.id === 'string') attributes['tessera.event_id'] = e.id;
  if (typeof e?.type === 'string') attributes['tessera.event_type'] = e.type;
  if (typeof e?.userId === 'string') attributes['tessera.user_id'] = e.userId;
  if (typeof e?.data?.tokenId === 'string') attributes['tessera.token_id'] = e.data.tokenId;
  return attributes;
}

function eventTime(event: unknown): number | undefined {
  const at = (event as { occurredAt?: unknown } | null)?.occurredAt;
  if (typeof at !== 'string') return undefined;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : ms;
}
