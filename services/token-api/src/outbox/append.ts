// Appending events to token_events inside the command's transaction (the outbox's write half).
import type { Transaction } from 'kysely';
import type { KeyEvent, TokenEvent } from '@tessera/contracts';
import { context, injectTraceContext, type HeaderCarrier, type Topology } from '@tessera/platform';
import type { TokenApiDatabase } from '../db/schema.js';

/** One committed event waiting to be published. */
export interface OutboxEntry {
  id: string;
  sequence: number;
  subject: string;
  userId: string | null;
  payload: unknown;
  headers: Record<string, string> | null;
}

function subjectOf(topology: Topology, event: TokenEvent | KeyEvent): { subject: string; userId: string | null } {
  if (event.type === 'SigningKeyRotated') return { subject: topology.keyRotatedSubject, userId: null };
  return { subject: topology.tokenEventSubject(event.type, event.userId), userId: event.userId.toLowerCase() };
}

/** The active trace context as plain headers (traceparent/tracestate), or null outside a trace. */
export function currentTraceHeaders(): Record<string, string> | null {
  const headers: Record<string, string> = {};
  const carrier: HeaderCarrier = {
    get: (k) => headers[k] ?? '',
    set: (k, v) => void (headers[k] = v),
    has: (k) => k in headers,
  };
  injectTraceContext(carrier, context.active());
  return Object.keys(headers).length > 0 ? headers : null;
}

/** The token_events rows for `events`, and the entries the publisher gets once they commit. */
export function outboxRows(topology: Topology, events: ReadonlyArray<TokenEvent | KeyEvent>) {
  const headers = currentTraceHeaders();
  const rows = events.map((event) => ({ event, ...subjectOf(topology, event) }));
  return {
    values: rows.map((r) => ({ id: r.event.id, subject: r.subject, type: r.event.type, user_id: r.userId, payload: JSON.stringify(r.event), headers: headers ? JSON.stringify(headers) : null })),
    /** Completes the entries with the sequence numbers the insert returned. */
    entries(inserted: ReadonlyArray<{ id: string; sequence: number }>): OutboxEntry[] {
      const sequenceOf = new Map(inserted.map((r) => [r.id, r.sequence]));
      return rows.map((r) => ({ id: r.event.id, sequence: sequenceOf.get(r.event.id)!, subject: r.subject, userId: r.userId, payload: r.event, headers }));
    },
  };
}

/**
 * Inserts the events in the given order; `sequence` then orders them. Callers hold the user's
 * row lock, so one user's events are numbered in commit order.
 */
export async function appendEvents(trx: Transaction<TokenApiDatabase>, topology: Topology, events: ReadonlyArray<TokenEvent | KeyEvent>): Promise<OutboxEntry[]> {
  if (events.length === 0) return [];
  const rows = outboxRows(topology, events);
  const inserted = await trx.insertInto('token_events').values(rows.values).returning(['id', 'sequence']).execute();
  return rows.entries(inserted);
}
