// The write of an issue or a rotation as ONE statement (data-modifying CTEs): the new token rows,
// the rotated parent, the superseded pair and the events. Fewer round trips while the user's row
// lock is held is what refresh throughput is made of.
import type { Transaction } from 'kysely';
import type { KeyEvent, TokenEvent } from '@tessera/contracts';
import type { Topology } from '@tessera/platform';
import type { TokenApiDatabase } from '../db/schema.js';
import type { NewToken } from '../domain/model.js';
import { outboxRows, type OutboxEntry } from '../outbox/append.js';
import { tokenRowValues } from './tokens.js';

export interface IssueWrite {
  tokens: NewToken[];
  /** token id → SHA-256 of the token string */
  hashes: Map<string, string>;
  events: ReadonlyArray<TokenEvent | KeyEvent>;
  /** The refresh token exchanged for this pair (first use marks it spent). */
  rotated?: { tokenId: string; successorId: string; firstUse: boolean; reason: string };
  superseded?: { ids: string[]; reason: string };
  now: Date;
}

export async function writeIssue(trx: Transaction<TokenApiDatabase>, topology: Topology, write: IssueWrite): Promise<OutboxEntry[]> {
  const rows = outboxRows(topology, write.events);
  const { rotated, superseded, now } = write;
  // Kysely types each `.with` step differently; the chain is assembled conditionally.
  let query: any = trx.with('new_tokens', (db) => db.insertInto('auth_tokens').values(tokenRowValues(write.tokens, write.hashes)).returning('id'));
  if (rotated) {
    const spent = rotated.firstUse ? { status: 'REVOKED' as const, revoked: true, revocation_reason: rotated.reason, revoked_at: now } : {};
    query = query.with('rotated', (db: typeof trx) =>
      db.updateTable('auth_tokens').set({ successor_token_id: rotated.successorId, last_used_at: now, ...spent }).where('id', '=', rotated.tokenId).returning('id'),
    );
  }
  if (superseded && superseded.ids.length > 0) {
    query = query.with('superseded', (db: typeof trx) =>
      db
        .updateTable('auth_tokens')
        .set({ status: 'REVOKED', revoked: true, revocation_reason: superseded.reason, revoked_at: now })
        .where('id', 'in', superseded.ids)
        .where('status', '=', 'ACTIVE')
        .returning('id'),
    );
  }
  const inserted = (await query.insertInto('token_events').values(rows.values).returning(['id', 'sequence']).execute()) as Array<{ id: string; sequence: number }>;
  return rows.entries(inserted);
}
