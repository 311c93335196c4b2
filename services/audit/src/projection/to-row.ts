import type { TokenEvent } from '@tessera/contracts';

/** One audit row as written: ids and times as text, `data` as JSON text (see insertAuditRows). */
export interface ProjectedRow {
  eventId: string;
  action: TokenEvent['type'];
  userId: string;
  tokenId: string | null;
  actorKind: string;
  actorId: string;
  clientIp: string | null;
  userAgent: string | null;
  reason: string | null;
  occurredAt: string;
  streamSeq: number;
  data: string;
}

/**
 * The columns lifted out of an event. They are read by name from `data` wherever the event has
 * them, so a new event type lands with its fields in the right columns without a code change
 * here; the whole payload is kept in `data` either way.
 */
export function toAuditRow(event: TokenEvent, streamSeq: number): ProjectedRow {
  const data: Readonly<Record<string, unknown>> = event.data;
  const text = (key: string): string | null => {
    const value = data[key];
    return typeof value === 'string' ? value : null;
  };
  return {
    eventId: event.id,
    action: event.type,
    userId: event.userId,
    tokenId: text('tokenId'),
    actorKind: event.actor.kind,
    actorId: event.actor.id,
    clientIp: text('clientIp'),
    userAgent: text('userAgent'),
    reason: text('reason'),
    occurredAt: event.occurredAt,
    streamSeq,
    data: JSON.stringify(event.data),
  };
}
