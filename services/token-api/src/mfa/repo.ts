// Reads and writes of the MFA tables. Functions take the database or the caller's transaction
// first; writes that belong to a user's command run under that user's row lock (lockUser).
import { sql } from 'kysely';
import type { FactorState, Familiarity } from './domain/factor.js';
import type { MfaDb, MfaTicketRow, MfaTotpRow, MfaTrx } from './tables.js';

type Db = MfaDb | MfaTrx;

/** The country column of known_devices: '' stands for "the edge sent none". */
export const NO_COUNTRY = '';

export async function readFactor(db: Db, userId: string): Promise<MfaTotpRow | undefined> {
  return db.selectFrom('mfa_totp').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

export function factorState(row: MfaTotpRow | undefined): FactorState {
  if (!row) return { status: 'none' };
  if (row.status === 'pending') return { status: 'pending' };
  return { status: 'active', lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step) };
}

/** A new pending secret; replaces an earlier pending one (the caller has checked none is active). */
export async function savePendingFactor(trx: MfaTrx, userId: string, sealed: Pick<MfaTotpRow, 'secret_ciphertext' | 'secret_iv' | 'secret_tag' | 'kek_id'>, now: Date): Promise<void> {
  const values = { ...sealed, status: 'pending' as const, last_used_step: null, created_at: now, enabled_at: null };
  await trx
    .insertInto('mfa_totp')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export async function activateFactor(trx: MfaTrx, userId: string, step: number, now: Date): Promise<void> {
  await trx.updateTable('mfa_totp').set({ status: 'active', last_used_step: step, enabled_at: now }).where('user_id', '=', userId).execute();
}

export async function setLastUsedStep(trx: MfaTrx, userId: string, step: number): Promise<void> {
  await trx.updateTable('mfa_totp').set({ last_used_step: step }).where('user_id', '=', userId).execute();
}

/** Removes the factor, its recovery codes and any open login ticket. */
export async function deleteFactor(trx: MfaTrx, userId: string): Promise<void> {
  await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await trx.deleteFrom('mfa_tickets').where('user_id', '=', userId).execute();
  await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
}

export async function replaceRecoveryCodes(trx: MfaTrx, userId: string, hashes: string[], now: Date): Promise<void> {
  await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await trx
    .insertInto('mfa_recovery_codes')
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: now, used_at: null })))
    .execute();
}

/** Spends an unused code with this hash; false when there is none (wrong or already used). */
export async function spendRecoveryCode(trx: MfaTrx, userId: string, codeHash: string, now: Date): Promise<boolean> {
  const spent = await trx
    .updateTable('mfa_recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .returning('code_hash')
    .executeTakeFirst();
  return spent !== undefined;
}

export async function countUnusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db.selectFrom('mfa_recovery_codes').select((eb) => eb.fn.countAll<string>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Stores a ticket and drops the user's expired ones, so tickets never pile up per user. */
export async function insertTicket(db: MfaDb, ticket: MfaTicketRow): Promise<void> {
  await db
    .with('stale', (q) => q.deleteFrom('mfa_tickets').where('user_id', '=', ticket.user_id).where('expires_at', '<=', ticket.created_at))
    .insertInto('mfa_tickets')
    .values(ticket)
    .execute();
}

export async function findTicket(db: Db, ticketHash: string): Promise<MfaTicketRow | undefined> {
  return db.selectFrom('mfa_tickets').selectAll().where('ticket_hash', '=', ticketHash).executeTakeFirst();
}

/** Single use: the row goes when the login completes. */
export async function deleteTicket(trx: MfaTrx, ticketHash: string): Promise<boolean> {
  const result = await trx.deleteFrom('mfa_tickets').where('ticket_hash', '=', ticketHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** What the user's known devices say about this fingerprint and country (one indexed read). */
export async function familiarity(db: Db, userId: string, fingerprint: string, country: string | null, seenSince: Date): Promise<Familiarity> {
  const row = await db
    .selectFrom('known_devices')
    .select([
      sql<boolean>`coalesce(bool_or(fingerprint = ${fingerprint}), false)`.as('device'),
      sql<boolean>`coalesce(bool_or(country = ${country ?? NO_COUNTRY}), false)`.as('country'),
      sql<boolean>`count(*) > 0`.as('any'),
    ])
    .where('user_id', '=', userId)
    .where('last_seen_at', '>=', seenSince)
    .executeTakeFirstOrThrow();
  return { deviceKnown: row.device, countryKnown: country === null ? null : row.country, anyKnown: row.any };
}

/** A completed login: the device and country are known from now on; long-unused ones are forgotten. */
export async function recordKnownDevice(trx: MfaTrx, userId: string, fingerprint: string, country: string | null, now: Date, forgetBefore: Date): Promise<void> {
  await trx
    // The row being upserted is left out: one statement must not both delete and update it.
    .with('forgotten', (q) =>
      q
        .deleteFrom('known_devices')
        .where('user_id', '=', userId)
        .where('last_seen_at', '<', forgetBefore)
        .where((eb) => eb.or([eb('fingerprint', '!=', fingerprint), eb('country', '!=', country ?? NO_COUNTRY)])),
    )
    .insertInto('known_devices')
    .values({ user_id: userId, fingerprint, country: country ?? NO_COUNTRY, first_seen_at: now, last_seen_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'fingerprint', 'country']).doUpdateSet({ last_seen_at: now }))
    .execute();
}

/** At activation only the enrolling device is trusted: every other one must give the code once. */
export async function resetKnownDevices(trx: MfaTrx, userId: string, fingerprint: string, country: string | null, now: Date): Promise<void> {
  await trx.deleteFrom('known_devices').where('user_id', '=', userId).execute();
  await trx.insertInto('known_devices').values({ user_id: userId, fingerprint, country: country ?? NO_COUNTRY, first_seen_at: now, last_seen_at: now }).execute();
}
