// The relay's read half: a batch of unpublished events, locked so replicas share the work.
import { sql, type Transaction } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';
import type { OutboxEntry } from './append.js';

interface Row {
  id: string;
  sequence: number;
  subject: string;
  user_id: string | null;
  payload: unknown;
  headers: Record<string, string> | null;
}

/**
 * Unpublished events older than `minAgeMs`, in sequence order, locked with SKIP LOCKED. An event
 * whose user has an earlier unpublished event outside this batch (locked by another replica, or
 * too young) is left for a later pass, so each user's events reach the stream in commit order.
 */
export async function takeRelayBatch(trx: Transaction<TokenApiDatabase>, limit: number, minAgeMs: number): Promise<OutboxEntry[]> {
  const { rows } = await sql<Row>`
    select id, sequence, subject, user_id, payload, headers from token_events
    where published_at is null and created_at <= now() - make_interval(secs => ${minAgeMs / 1000})
    order by sequence limit ${limit}
    for update skip locked`.execute(trx);
  if (rows.length === 0) return [];

  const groups = [...new Set(rows.map((r) => r.user_id ?? ''))];
  const ids = rows.map((r) => r.id);
  const { rows: blockers } = await sql<{ grp: string; first: number }>`
    select coalesce(user_id::text, '') as grp, min(sequence) as first from token_events
    where published_at is null and coalesce(user_id::text, '') = any(${groups}::text[]) and not (id = any(${ids}::uuid[]))
    group by 1`.execute(trx);
  const firstBlocked = new Map(blockers.map((b) => [b.grp, b.first]));
  return rows
    .filter((r) => {
      const blockedFrom = firstBlocked.get(r.user_id ?? '');
      return blockedFrom === undefined || r.sequence < blockedFrom;
    })
    .map((r) => ({ id: r.id, sequence: r.sequence, subject: r.subject, userId: r.user_id, payload: r.payload, headers: r.headers }));
}

export async function markPublished(db: Transaction<TokenApiDatabase> | import('kysely').Kysely<TokenApiDatabase>, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('token_events').set({ published_at: new Date() }).where('id', 'in', ids).execute();
}

export async function outboxBacklog(db: import('kysely').Kysely<TokenApiDatabase>): Promise<{ backlog: number; oldestAt: Date | null }> {
  const { rows } = await sql<{ backlog: number; oldest: Date | null }>`
    select count(*)::int as backlog, min(created_at) as oldest from token_events where published_at is null`.execute(db);
  return { backlog: rows[0]?.backlog ?? 0, oldestAt: rows[0]?.oldest ?? null };
}
