import type { Topology } from '@tessera/platform';
import { sql, type Kysely } from 'kysely';
import type { SweeperDatabase } from '../schedule/tables.js';
import { tokenExpired, tokenExpiring, type DueToken, type WarnableToken } from './announcements.js';
import type { PublishOutcome, Publisher } from './publisher.js';

export interface BatchOptions {
  now: Date;
  limit: number;
}

export interface BatchOutcome extends PublishOutcome {
  /** Rows taken; equal to the limit when more may be waiting. */
  taken: number;
}

/**
 * One expiry batch, in one transaction: take up to `limit` due rows (oldest first) that no other
 * sweeper holds, publish TokenExpired for each, commit the deletion. The rows are deleted first
 * (DELETE ... RETURNING, one statement instead of a select and a delete): the deletion is not
 * visible to anyone until commit, and a failed publish rolls it back. `= any(array(subquery))`
 * pins the plan to the expires_at index then primary-key lookups; with `in (subquery)` the
 * planner may hash-join against a sequential scan of the whole schedule. A crash after publishing
 * and before commit leaves the rows in place; the next sweep republishes them under the same
 * msgIds, which the stream drops.
 */
export async function sweepExpiredBatch(db: Kysely<SweeperDatabase>, publisher: Publisher, topology: Topology, { now, limit }: BatchOptions): Promise<BatchOutcome> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<DueToken>`
      delete from expiry_schedule
      where token_id = any(array(
        select token_id from expiry_schedule
        where expires_at <= ${now}
        order by expires_at
        limit ${limit}
        for update skip locked))
      returning token_id, user_id, family_id, token_type, expires_at`.execute(trx);
    const outcome = await publisher.publishAll(rows.map((row) => tokenExpired(row, topology)));
    return { taken: rows.length, ...outcome };
  });
}

/**
 * One warning batch: refresh tokens whose warning instant has passed and which have not expired
 * yet (an expired one gets TokenExpired instead). Marked `warned` in the same transaction.
 */
export async function sweepWarningBatch(db: Kysely<SweeperDatabase>, publisher: Publisher, topology: Topology, { now, limit }: BatchOptions): Promise<BatchOutcome> {
  return db.transaction().execute(async (trx) => {
    const rows = (await trx
      .selectFrom('expiry_schedule')
      .select(['token_id', 'user_id', 'family_id', 'token_type', 'expires_at', 'warn_at'])
      .where('warn_at', '<=', now)
      .where('warned', '=', false)
      .where('expires_at', '>', now)
      .orderBy('warn_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute()) as WarnableToken[];
    if (rows.length === 0) return { taken: 0, emitted: 0, duplicates: 0 };
    const outcome = await publisher.publishAll(rows.map((row) => tokenExpiring(row, topology)));
    await sql`update expiry_schedule set warned = true where token_id = any(${rows.map((r) => r.token_id)}::uuid[])`.execute(trx);
    return { taken: rows.length, ...outcome };
  });
}
