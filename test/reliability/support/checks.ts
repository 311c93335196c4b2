// What every fault case checks afterwards: events published (token-api's outbox log) vs stored
// (the stream) vs projected (audit rows), consumers caught up, revoked tokens refused.
import { jetstream, jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CONSUMERS } from '@tessera/contracts';
import { waitFor } from '@tessera/platform/testing';
import { createVerifier } from '@tessera/verifier';
import type { ProcessSystem } from '../../support/processes.js';
import { UA, type Revoked } from './traffic.js';

export interface StreamMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  headers: Record<string, string>;
  data: any;
}

/** Every message of a stream, in order, through an ordered consumer. */
export async function readStream(nc: NatsConnection, stream: string): Promise<StreamMessage[]> {
  const jsm = await jetstreamManager(nc);
  const total = (await jsm.streams.info(stream)).state.messages;
  if (total === 0) return [];
  const consumer = await jetstream(nc).consumers.get(stream);
  const out: StreamMessage[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(1_000, total - out.length), expires: 3_000 });
    let got = 0;
    for await (const m of batch) {
      got += 1;
      let data: unknown;
      try {
        data = m.json();
      } catch {
        data = { unparsable: m.string() };
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of m.headers ?? []) headers[k] = v.join(',');
      out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), headers, data });
    }
    if (got === 0) break;
  }
  return out;
}

export const DURABLES = Object.values(CONSUMERS).map((c) => c.durable);

export async function consumerInfos(nc: NatsConnection, stream: string): Promise<Record<string, ConsumerInfo>> {
  const jsm = await jetstreamManager(nc);
  const out: Record<string, ConsumerInfo> = {};
  for (const durable of DURABLES) out[durable] = await jsm.consumers.info(stream, durable);
  return out;
}

/** Every durable consumer has nothing pending and nothing unacknowledged. */
export async function waitConsumersCaughtUp(nc: NatsConnection, stream: string, timeoutMs = 120_000): Promise<Record<string, { pending: number; ackPending: number; redelivered: number }>> {
  let last: Record<string, { pending: number; ackPending: number; redelivered: number }> = {};
  await waitFor(
    async () => {
      const infos = await consumerInfos(nc, stream);
      last = Object.fromEntries(Object.entries(infos).map(([d, i]) => [d, { pending: i.num_pending, ackPending: i.num_ack_pending, redelivered: i.num_redelivered }]));
      return Object.values(last).every((c) => c.pending === 0 && c.ackPending === 0);
    },
    { timeoutMs, intervalMs: 500, what: `consumers caught up (${JSON.stringify(last)})` },
  ).catch((error) => {
    throw new Error(`${(error as Error).message}; last: ${JSON.stringify(last)}`);
  });
  return last;
}

export interface EventAccounting {
  /** Rows in token-api's outbox log with a token-event subject (what was committed). */
  published: number;
  /** Unpublished rows left in the outbox. */
  unpublished: number;
  /** Messages in TOKEN_EVENTS. */
  stored: number;
  /** Messages the sweeper published itself (TokenExpired/TokenExpiring, not in the outbox). */
  storedFromSweeper: number;
  /** Rows in the audit projection. */
  projected: number;
  duplicatesInStream: number;
  msgIdMismatches: number;
  missingFromStream: string[];
  notCommittedButInStream: string[];
  missingFromAudit: string[];
  dlq: number;
}

/** Published vs stored vs projected, by event id. */
export async function accountEvents(system: ProcessSystem): Promise<EventAccounting> {
  const nc = await system.nats();
  const { tokenEvents, dlq } = system.topology.streams;
  const [rows, stream, audit] = await Promise.all([
    system.sql<{ id: string; published: boolean }>(`select id, published_at is not null as published from $token_api.token_events where subject like $1`, [`${system.namespace}.tokens.%`]),
    readStream(nc, tokenEvents.name),
    system.sql<{ event_id: string }>('select event_id from $audit.auth_token_audit'),
  ]);
  const committed = new Set(rows.map((r) => r.id));
  const seen = new Map<string, number>();
  let msgIdMismatches = 0;
  for (const m of stream) {
    const id = String(m.data?.id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (m.msgId !== id && !String(m.msgId).endsWith(`:${m.data?.data?.tokenId}`)) msgIdMismatches += 1;
  }
  const fromSweeper = stream.filter((m) => m.data?.actor?.kind === 'system' && m.data?.actor?.id === 'sweeper');
  const auditIds = new Set(audit.map((a) => a.event_id));
  const dlqInfo = await (await jetstreamManager(nc)).streams.info(dlq.name);
  return {
    published: rows.length,
    unpublished: rows.filter((r) => !r.published).length,
    stored: stream.length,
    storedFromSweeper: fromSweeper.length,
    projected: audit.length,
    duplicatesInStream: [...seen.values()].filter((n) => n > 1).length,
    msgIdMismatches,
    missingFromStream: [...committed].filter((id) => !seen.has(id)),
    notCommittedButInStream: stream.filter((m) => !committed.has(String(m.data?.id)) && !fromSweeper.includes(m)).map((m) => String(m.data?.id)),
    missingFromAudit: [...seen.keys()].filter((id) => !auditIds.has(id)),
    dlq: dlqInfo.state.messages,
  };
}

/**
 * Every revoked token refused by an in-process verifier mirroring the REVOCATIONS bucket, and by
 * token-api itself (a bearer route); every revoked refresh token refused by /auth/refresh.
 */
export async function checkRevokedRefused(system: ProcessSystem, revoked: Revoked[]): Promise<{ verifierAccepted: string[]; apiAccepted: string[]; refreshAccepted: string[] }> {
  const nc = await system.nats();
  const verifier = createVerifier({
    jwksUrl: `${system.url['token-api']}/.well-known/jwks.json`,
    issuer: 'http://localhost:9003',
    audience: 'tessera',
    nats: { connection: nc, bucket: system.topology.revocationsBucket, keyRotatedSubject: system.topology.keyRotatedSubject },
    policies: { deviceBinding: true },
  });
  try {
    await verifier.ready(15_000);
    const verifierAccepted: string[] = [];
    const apiAccepted: string[] = [];
    const refreshAccepted: string[] = [];
    for (const r of revoked) {
      const result = await verifier.verify(r.access, { userAgent: UA });
      if (result.ok) verifierAccepted.push(r.jti);
    }
    // The API answers for a sample (every one would be thousands of calls; the verifier saw all).
    const sample = revoked.filter((_, i) => i % Math.max(1, Math.floor(revoked.length / 100)) === 0);
    for (const r of sample) {
      const res = await fetch(`${system.url['token-api']}/api/v1/auth/tokens/active`, { headers: { authorization: `Bearer ${r.access}`, 'user-agent': UA } });
      if (res.status !== 401) apiAccepted.push(`${r.jti}:${res.status}`);
      if (r.refresh) {
        const again = await fetch(`${system.url['token-api']}/api/v1/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': UA },
          body: JSON.stringify({ refresh_token: r.refresh }),
        });
        if (again.status !== 401) refreshAccepted.push(`${r.jti}:${again.status}`);
      }
    }
    return { verifierAccepted, apiAccepted, refreshAccepted };
  } finally {
    await verifier.close();
  }
}

/** The live keys of the REVOCATIONS bucket (jti.*, sid.*, sub.*), read from its stream. */
export async function revocationKeys(system: ProcessSystem): Promise<Set<string>> {
  const nc = await system.nats();
  const jsm = await jetstreamManager(nc);
  const bucket = system.topology.revocationsBucket;
  const prefix = `$KV.${bucket}.`;
  const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: '>' });
  const keys = new Set<string>();
  for (const subject of Object.keys(info.state.subjects ?? {})) {
    const last = await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: subject });
    const op = last?.header?.get('KV-Operation');
    if (op !== 'DEL' && op !== 'PURGE') keys.add(subject.slice(prefix.length));
  }
  return keys;
}

export function fmtBytes(n: number): string {
  return `${(n / 1_048_576).toFixed(1)} MiB`;
}
