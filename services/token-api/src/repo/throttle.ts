import { sql, type Kysely, type Transaction } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';
import { recordFailure, type FailureOutcome, type ThrottlePolicy, type ThrottleState } from '../domain/throttle.js';

type Db = Kysely<TokenApiDatabase>;

function toState(row: { failures: number; window_started_at: Date; locked_until: Date | null }): ThrottleState {
  return { failures: row.failures, windowStartedAt: row.window_started_at.getTime(), lockedUntil: row.locked_until?.getTime() ?? null };
}

export async function readThrottle(db: Db, keys: string[]): Promise<Map<string, ThrottleState>> {
  const rows = await db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key, toState(r)]));
}

/** Counts a failure under a row lock, so concurrent failures are all counted. */
export async function countFailure(db: Db, key: string, now: number, policy: ThrottlePolicy): Promise<FailureOutcome> {
  return db.transaction().execute((trx) => countFailureIn(trx, key, now, policy));
}

/**
 * countFailure inside the caller's transaction: a second-factor attempt counts its failure while
 * it holds the user's row lock, so the next attempt of that user already sees the count.
 */
export async function countFailureIn(trx: Transaction<TokenApiDatabase>, key: string, now: number, policy: ThrottlePolicy): Promise<FailureOutcome> {
  await trx.insertInto('login_throttle').values({ key, failures: 0, window_started_at: new Date(now), locked_until: null }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await trx.selectFrom('login_throttle').selectAll().where('key', '=', key).forUpdate().executeTakeFirstOrThrow();
  const current = row.failures === 0 ? null : toState(row);
  const outcome = recordFailure(current, now, policy);
  await trx
    .updateTable('login_throttle')
    .set({ failures: outcome.state.failures, window_started_at: new Date(outcome.state.windowStartedAt), locked_until: outcome.state.lockedUntil ? new Date(outcome.state.lockedUntil) : null })
    .where('key', '=', key)
    .execute();
  return outcome;
}

export async function clearThrottle(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

/** Housekeeping: rows whose window and lock have both passed carry no information. */
export async function purgeStaleThrottle(db: Db, olderThan: Date): Promise<number> {
  const result = await db
    .deleteFrom('login_throttle')
    .where('window_started_at', '<', olderThan)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
