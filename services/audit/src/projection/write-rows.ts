import { sql, type Kysely } from 'kysely';
import { AUDIT_TABLE } from '../db.js';
import type { ProjectedRow } from './to-row.js';

/**
 * Writes rows in one statement and returns the ids actually inserted; a row whose event id is
 * already there is skipped (a redelivery, or a replay overlapping the live projection). The rows
 * travel as one array per column through `unnest`, so a batch of any size is 12 parameters and
 * one parse, not 12 per row.
 */
export async function insertAuditRows(db: Kysely<any>, rows: readonly ProjectedRow[], table: string = AUDIT_TABLE): Promise<string[]> {
  if (rows.length === 0) return [];
  const column = <K extends keyof ProjectedRow>(key: K) => rows.map((row) => row[key]);
  const result = await sql<{ event_id: string }>`
    insert into ${sql.table(table)}
      (event_id, action, user_id, token_id, actor_kind, actor_id, client_ip, user_agent, reason, occurred_at, stream_seq, data)
    select * from unnest(
      ${column('eventId')}::uuid[], ${column('action')}::text[], ${column('userId')}::uuid[], ${column('tokenId')}::uuid[],
      ${column('actorKind')}::text[], ${column('actorId')}::text[], ${column('clientIp')}::inet[], ${column('userAgent')}::text[],
      ${column('reason')}::text[], ${column('occurredAt')}::timestamptz[], ${column('streamSeq')}::bigint[], ${column('data')}::jsonb[]
    )
    on conflict (event_id) do nothing
    returning event_id`.execute(db);
  return result.rows.map((row) => row.event_id);
}
