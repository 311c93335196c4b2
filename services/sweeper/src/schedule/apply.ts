import { sql, type Kysely } from 'kysely';
import type { ScheduleChange } from './decide.js';
import type { SweeperDatabase } from './tables.js';

type Db = Kysely<SweeperDatabase>;
type Scheduled = Extract<ScheduleChange, { kind: 'schedule' }>;

/**
 * Applies changes in order, in the caller's transaction. Consecutive TokenIssued rows go in one
 * statement. Every change is idempotent (a redelivered event is a no-op) and the tombstones make
 * the result independent of the order revocations and issues arrive in.
 */
export async function applyScheduleChanges(trx: Db, changes: readonly ScheduleChange[]): Promise<void> {
  let pending: Scheduled[] = [];
  for (const change of changes) {
    if (change.kind === 'schedule') {
      pending.push(change);
      continue;
    }
    if (pending.length > 0) await scheduleTokens(trx, pending);
    pending = [];
    if (change.kind === 'unschedule') await unscheduleToken(trx, change.tokenId, change.expiresAt);
    else await cutOffUser(trx, change.userId, change.notBefore);
  }
  if (pending.length > 0) await scheduleTokens(trx, pending);
}

/** Inserts new rows, skipping tokens already known, already revoked, or issued before a cutoff. */
export async function scheduleTokens(trx: Db, tokens: readonly Scheduled[]): Promise<void> {
  const column = <K extends keyof Scheduled>(key: K) => tokens.map((t) => t[key]);
  await sql`
    insert into expiry_schedule (token_id, user_id, family_id, token_type, issued_at, expires_at, warn_at)
    select v.token_id, v.user_id, v.family_id, v.token_type, v.issued_at, v.expires_at, v.warn_at
    from unnest(
      ${column('tokenId')}::uuid[], ${column('userId')}::uuid[], ${column('familyId')}::uuid[], ${column('tokenType')}::text[],
      ${column('issuedAt')}::timestamptz[], ${column('expiresAt')}::timestamptz[], ${column('warnAt')}::timestamptz[]
    ) as v(token_id, user_id, family_id, token_type, issued_at, expires_at, warn_at)
    where not exists (select 1 from revoked_token r where r.token_id = v.token_id)
      and not exists (select 1 from user_cutoff c where c.user_id = v.user_id and v.issued_at < c.not_before)
    on conflict (token_id) do nothing`.execute(trx);
}

export async function unscheduleToken(trx: Db, tokenId: string, expiresAt: string): Promise<void> {
  await trx.deleteFrom('expiry_schedule').where('token_id', '=', tokenId).execute();
  await trx
    .insertInto('revoked_token')
    .values({ token_id: tokenId, expires_at: new Date(expiresAt) })
    .onConflict((oc) => oc.column('token_id').doNothing())
    .execute();
}

/** `issued_at < notBefore`: a token issued at the cutoff instant itself, to the ms, stays. */
export async function cutOffUser(trx: Db, userId: string, notBefore: string): Promise<void> {
  const instant = new Date(notBefore);
  await trx.deleteFrom('expiry_schedule').where('user_id', '=', userId).where('issued_at', '<', instant).execute();
  await trx
    .insertInto('user_cutoff')
    .values({ user_id: userId, not_before: instant })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ not_before: sql<Date>`greatest(user_cutoff.not_before, excluded.not_before)` }))
    .execute();
}
