import type { Kysely } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';
import { sha256Hex } from '../secrets/tokens.js';

/** The id of the recorded token whose string this is (found by its SHA-256), if any. */
export async function findTokenIdByHash(db: Kysely<TokenApiDatabase>, token: string, type: 'ACCESS' | 'REFRESH'): Promise<string | undefined> {
  const row = await db.selectFrom('auth_tokens').select('id').where('token_hash', '=', sha256Hex(token)).where('token_type', '=', type).executeTakeFirst();
  return row?.id;
}
