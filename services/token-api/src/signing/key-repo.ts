// signing_keys rows: sealed private keys, public JWKs, activation and retirement instants.
import { sql, type Kysely, type Transaction } from 'kysely';
import { JwtAlg } from '@tessera/contracts';
import type { SigningKeyRow, TokenApiDatabase } from '../db/schema.js';
import type { KeyEncryptionKey } from './key-encryption.js';
import { exportPkcs8, signingKeyFromPkcs8, type SigningKey } from './key-material.js';

type Db = Kysely<TokenApiDatabase> | Transaction<TokenApiDatabase>;

/** Serialises key generation and rotation across replicas (transaction-scoped). */
export async function lockSigningKeys(trx: Transaction<TokenApiDatabase>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('tessera:token-api:signing-keys'))`.execute(trx);
}

/** Keys that sign now or later, and retired keys whose tokens may still be live. */
export async function loadPublishableKeys(db: Db, retiredSince: Date): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredSince)]))
    .orderBy('activates_at', 'desc')
    .execute();
}

export async function hasUnretiredKey(db: Db): Promise<boolean> {
  const row = await db.selectFrom('signing_keys').select('kid').where('retired_at', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function insertSigningKey(db: Db, key: SigningKey, kek: KeyEncryptionKey, createdAt: Date, activatesAt: Date): Promise<void> {
  const sealed = kek.seal(exportPkcs8(key.privateKey), key.kid);
  await db
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      alg: key.alg,
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_ciphertext: sealed.ciphertext,
      private_key_iv: sealed.iv,
      private_key_tag: sealed.tag,
      kek_id: sealed.kekId,
      created_at: createdAt,
      activates_at: activatesAt,
      retired_at: null,
    })
    .execute();
}

/** Every other unretired key retires when the new one activates. */
export async function retireOtherKeys(db: Db, keepKid: string, at: Date): Promise<void> {
  await db.updateTable('signing_keys').set({ retired_at: at }).where('retired_at', 'is', null).where('kid', '<>', keepKid).execute();
}

export async function openSigningKey(row: SigningKeyRow, kek: KeyEncryptionKey): Promise<SigningKey> {
  const der = kek.open({ ciphertext: row.private_key_ciphertext, iv: row.private_key_iv, tag: row.private_key_tag, kekId: row.kek_id }, row.kid);
  return signingKeyFromPkcs8(der, JwtAlg.parse(row.alg), row.kid);
}
