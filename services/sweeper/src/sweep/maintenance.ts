import { sql, type Kysely } from 'kysely';
import type { SweeperDatabase } from '../schedule/tables.js';

/** The expiry instant of the longest-overdue row, or null when nothing is due. */
export async function oldestDueAt(db: Kysely<SweeperDatabase>, now: Date): Promise<Date | null> {
  const row = await db.selectFrom('expiry_schedule').select((eb) => eb.fn.min('expires_at').as('oldest')).where('expires_at', '<=', now).executeTakeFirst();
  return row?.oldest ? new Date(row.oldest) : null;
}

/** now − oldest due row, in seconds; 0 when the schedule is caught up. */
export async function sweepLagSeconds(db: Kysely<SweeperDatabase>, now: Date): Promise<number> {
  const oldest = await oldestDueAt(db, now);
  return oldest === null ? 0 : Math.max(0, now.getTime() - oldest.getTime()) / 1000;
}

export interface PurgeOptions {
  /** Revocation tombstones of tokens that expired before this are dropped. */
  revokedExpiredBefore: Date;
  /** User cutoffs older than this are dropped: no token issued before them can still be alive. */
  cutoffsBefore: Date;
  limit: number;
}

/** Drops tombstones nothing needs any more, a bounded number per call so locks stay short. */
export async function purgeTombstones(db: Kysely<SweeperDatabase>, { revokedExpiredBefore, cutoffsBefore, limit }: PurgeOptions): Promise<number> {
  const revoked = await sql`
    delete from revoked_token where token_id = any(array(
      select token_id from revoked_token where expires_at < ${revokedExpiredBefore} limit ${limit}))`.execute(db);
  const cutoffs = await sql`
    delete from user_cutoff where user_id = any(array(
      select user_id from user_cutoff where not_before < ${cutoffsBefore} limit ${limit}))`.execute(db);
  return Number(revoked.numAffectedRows ?? 0n) + Number(cutoffs.numAffectedRows ?? 0n);
}
