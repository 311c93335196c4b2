import type { ColumnType, Insertable, Selectable } from 'kysely';

/** The live projection table; rebuilds write a sibling and swap it in under this name. */
export const AUDIT_TABLE = 'auth_token_audit';

export interface AuditTable {
  event_id: string;
  action: string;
  user_id: string;
  token_id: string | null;
  actor_kind: string;
  actor_id: string;
  client_ip: string | null;
  user_agent: string | null;
  reason: string | null;
  occurred_at: ColumnType<Date, Date | string, never>;
  stream_seq: number;
  data: ColumnType<Record<string, unknown>, string, never>;
  recorded_at: ColumnType<Date, never, never>;
}

export interface AuditDatabase {
  auth_token_audit: AuditTable;
}

export type AuditRow = Selectable<AuditTable>;
export type NewAuditRow = Insertable<AuditTable>;
