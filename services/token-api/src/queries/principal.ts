// The one read a bearer call makes: who the caller is (email, role) and, when the revocation
// mirror is not current, whether the database still counts the token as live.
import { sql, type Kysely } from 'kysely';
import { uuidV7Timestamp } from '@tessera/contracts';
import type { TokenApiDatabase } from '../db/schema.js';

export interface CallerRecord {
  email: string;
  role: 'user' | 'admin';
}

export async function callerRecord(
  db: Kysely<TokenApiDatabase>,
  claims: { sub: string; jti: string; sid: string },
  confirmStanding: boolean,
): Promise<CallerRecord | undefined> {
  const row = await db
    .selectFrom('users as u')
    .leftJoin('auth_tokens as t', (join) => join.on('t.id', '=', claims.jti).on('t.user_id', '=', sql.ref('u.id')))
    .select(['u.email', 'u.role', 'u.tokens_not_before', 't.status', 't.family_id', 't.token_type'])
    .where('u.id', '=', claims.sub)
    .executeTakeFirst();
  if (!row) return undefined;
  if (confirmStanding) {
    if (row.status !== 'ACTIVE' || row.token_type !== 'ACCESS' || row.family_id !== claims.sid) return undefined;
    if (row.tokens_not_before && uuidV7Timestamp(claims.jti) < row.tokens_not_before.getTime()) return undefined;
  }
  return { email: row.email, role: row.role === 'admin' ? 'admin' : 'user' };
}
