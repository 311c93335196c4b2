import type { AuditEntry, AuditTrailResponse, TokenEventType } from '@tessera/contracts';
import { sql, type Kysely } from 'kysely';
import type { AuditDatabase } from '../db.js';
import { encodeCursor, type TrailPosition } from './cursor.js';

export interface TrailRequest {
  userId: string;
  action?: TokenEventType;
  /** Inclusive. */
  from?: string;
  /** Exclusive. */
  to?: string;
  limit: number;
  after?: TrailPosition;
}

/** Fields of `data` shown as their own AuditEntry fields, so `details` does not repeat them. */
const LIFTED = new Set(['tokenId', 'clientIp', 'userAgent']);

/**
 * One page of a user's trail, newest first. Keyset pagination on (occurred_at, event_id): a row
 * inserted while a client pages is either before the page it is reading or after the cursor, so
 * no row is shown twice or skipped, unlike OFFSET.
 */
export async function readTrail(db: Kysely<AuditDatabase>, request: TrailRequest): Promise<AuditTrailResponse> {
  let query = db
    .selectFrom('auth_token_audit')
    .select(['event_id', 'action', 'user_id', 'token_id', 'actor_kind', 'actor_id', 'client_ip', 'user_agent', 'occurred_at', 'data'])
    .select(sql<number>`(extract(epoch from occurred_at) * 1000000)::bigint`.as('occurred_at_us'))
    .where('user_id', '=', request.userId);
  if (request.action !== undefined) query = query.where('action', '=', request.action);
  if (request.from !== undefined) query = query.where('occurred_at', '>=', new Date(request.from));
  if (request.to !== undefined) query = query.where('occurred_at', '<', new Date(request.to));
  if (request.after !== undefined) {
    const { occurredAtMicros, eventId } = request.after;
    query = query.where(
      sql<boolean>`(occurred_at, event_id) < (timestamptz 'epoch' + ${occurredAtMicros}::bigint * interval '1 microsecond', ${eventId}::uuid)`,
    );
  }
  const rows = await query.orderBy('occurred_at', 'desc').orderBy('event_id', 'desc').limit(request.limit + 1).execute();

  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    items: page.map(
      (row): AuditEntry => ({
        eventId: row.event_id,
        action: row.action as TokenEventType,
        userId: row.user_id,
        tokenId: row.token_id,
        actor: { kind: row.actor_kind as AuditEntry['actor']['kind'], id: row.actor_id },
        clientIp: row.client_ip,
        userAgent: row.user_agent,
        details: Object.fromEntries(Object.entries(row.data).filter(([key]) => !LIFTED.has(key))) as AuditEntry['details'],
        occurredAt: row.occurred_at.toISOString(),
      }),
    ),
    nextCursor: rows.length > request.limit && last ? encodeCursor({ occurredAtMicros: last.occurred_at_us, eventId: last.event_id }) : null,
  };
}
