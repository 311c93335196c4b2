import type { Kysely } from 'kysely';
import type { Logger } from '@tessera/platform';
import { ensureSigningKey } from '../commands/bootstrap.js';
import type { TokenApiConfig } from '../config.js';
import type { TokenApiDatabase } from '../db/schema.js';
import { keyRetentionMs } from '../deps.js';
import { DatabaseKeySource } from './db-key-source.js';
import { FileKeySource } from './file-key-source.js';
import { KeyEncryptionKey } from './key-encryption.js';
import { KeyStore } from './key-store.js';

/** The KEK from config; outside production a fixed development key, with a warning. */
export function keyEncryptionKey(config: TokenApiConfig, logger: Logger): KeyEncryptionKey {
  if (config.SIGNING_KEY_ENCRYPTION_KEY) return new KeyEncryptionKey(config.SIGNING_KEY_ENCRYPTION_KEY);
  if (config.NODE_ENV === 'production') throw new Error('SIGNING_KEY_ENCRYPTION_KEY is required in production');
  logger.warn('SIGNING_KEY_ENCRYPTION_KEY is not set: signing keys are sealed with the public development key (NODE_ENV is not production)');
  return KeyEncryptionKey.developmentDefault();
}

/** Keys from files when configured; otherwise sealed in the database, generated on first start. */
export async function setUpKeys(config: TokenApiConfig, db: Kysely<TokenApiDatabase>, logger: Logger): Promise<{ keys: KeyStore; kek: KeyEncryptionKey | null }> {
  if (config.JWT_PRIVATE_KEY_FILE) {
    const previous = (config.JWT_PREVIOUS_PUBLIC_KEY_FILES ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    const keys = new KeyStore(new FileKeySource(config.JWT_PRIVATE_KEY_FILE, previous, config.JWT_ALG), keyRetentionMs(config));
    await keys.reload();
    return { keys, kek: null };
  }
  const kek = keyEncryptionKey(config, logger);
  await ensureSigningKey(db, kek, config.JWT_ALG, logger);
  const keys = new KeyStore(new DatabaseKeySource(db, kek, keyRetentionMs(config)), keyRetentionMs(config));
  await keys.reload();
  return { keys, kek };
}
