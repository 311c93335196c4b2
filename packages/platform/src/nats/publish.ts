import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { injectTraceContext } from '../telemetry.js';

export interface PublishOptions {
  /** Becomes `Nats-Msg-Id`: the stream drops a second publish with the same id within its duplicate window. */
  msgId: string;
  /** Extra headers (trace context is added automatically from the active span). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** Publishes a JSON payload to JetStream and waits for the stream's acknowledgement. */
export async function publishJson(js: JetStreamClient, subject: string, payload: unknown, options: PublishOptions): Promise<PubAck> {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(options.headers ?? {})) h.set(key, value);
  injectTraceContext(h);
  return js.publish(subject, JSON.stringify(payload), { msgID: options.msgId, headers: h, timeout: options.timeoutMs ?? 5000 });
}
