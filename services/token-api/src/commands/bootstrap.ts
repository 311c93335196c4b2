import type { Kysely } from 'kysely';
import type { JwtAlg } from '@tessera/contracts';
import type { Logger } from '@tessera/platform';
import type { TokenApiDatabase } from '../db/schema.js';
import type { TokenApiDeps } from '../deps.js';
import { findUserByEmail } from '../repo/users.js';
import type { KeyEncryptionKey } from '../signing/key-encryption.js';
import { newSigningKey } from '../signing/key-material.js';
import { hasUnretiredKey, insertSigningKey, lockSigningKeys } from '../signing/key-repo.js';
import { registerUser } from './register.js';

/** First start: generate and seal a signing key. Replicas starting together make exactly one. */
export async function ensureSigningKey(db: Kysely<TokenApiDatabase>, kek: KeyEncryptionKey, alg: JwtAlg, logger: Logger, now = Date.now()): Promise<void> {
  if (await hasUnretiredKey(db)) return;
  const key = await newSigningKey(alg);
  const created = await db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    if (await hasUnretiredKey(trx)) return false;
    await insertSigningKey(trx, key, kek, new Date(now), new Date(now));
    return true;
  });
  if (created) logger.info({ kid: key.kid, alg }, 'signing key generated');
}

/** ADMIN_EMAIL / ADMIN_PASSWORD: created once if absent, never overwritten. */
export async function ensureFirstAdmin(deps: Pick<TokenApiDeps, 'db' | 'passwords' | 'clock' | 'logger'>, email: string, password: string): Promise<'created' | 'exists'> {
  if (await findUserByEmail(deps.db, email)) return 'exists';
  try {
    await registerUser(deps, { email, password }, 'admin', 'ADMIN_EMAIL');
    return 'created';
  } catch (error) {
    // Another replica created it first.
    if ((error as { code?: string }).code === 'conflict') return 'exists';
    throw error;
  }
}
