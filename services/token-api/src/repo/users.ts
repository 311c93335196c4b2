import type { Kysely, Transaction } from 'kysely';
import { Role, Scope } from '@tessera/contracts';
import type { TokenApiDatabase, UserRow } from '../db/schema.js';
import type { UserState } from '../domain/model.js';

type Db = Kysely<TokenApiDatabase> | Transaction<TokenApiDatabase>;

export function toUserState(row: UserRow): UserState {
  return {
    id: row.id,
    email: row.email,
    role: Role.parse(row.role),
    allowedCountries: row.allowed_countries,
    tokensNotBefore: row.tokens_not_before?.getTime() ?? null,
  };
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Every command that emits a user's events first takes this lock, so that user's commands run
 * one at a time: outbox sequence follows commit order per user, and a refresh, a logout and a
 * password change of the same user never interleave.
 */
export async function lockUser(trx: Transaction<TokenApiDatabase>, id: string): Promise<UserRow | undefined> {
  return trx.selectFrom('users').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

/** Inserts unless the email is taken; returns the row or undefined on conflict. */
export async function insertUser(db: Db, user: { id: string; email: string; passwordHash: string; role: Role; allowedCountries?: string[] | null; now: Date }): Promise<UserRow | undefined> {
  return db
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      password_hash: user.passwordHash,
      role: user.role,
      allowed_countries: user.allowedCountries ?? null,
      tokens_not_before: null,
      password_changed_at: null,
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updatePasswordHash(db: Db, id: string, passwordHash: string, now: Date): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', id).execute();
}

export async function setPasswordAndCutoff(trx: Transaction<TokenApiDatabase>, id: string, passwordHash: string, now: Date, notBefore: Date): Promise<void> {
  await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: now, tokens_not_before: notBefore, updated_at: now }).where('id', '=', id).execute();
}

/** Geo restriction (DESIGN §6): countries future tokens of the user are limited to; null = none. */
export async function setAllowedCountries(db: Db, id: string, countries: string[] | null, now: Date): Promise<boolean> {
  const result = await db.updateTable('users').set({ allowed_countries: countries && countries.length > 0 ? countries : null, updated_at: now }).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export const parseScopes = (scopes: string[]): Scope[] => scopes.map((s) => Scope.parse(s));
