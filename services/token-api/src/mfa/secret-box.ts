// TOTP secrets at rest: sealed with the key-encryption key of the signing keys (AES-256-GCM,
// src/signing/key-encryption.ts), the user id bound in as additional data so a row copied onto
// another user does not open.
import type { KeyEncryptionKey } from '../signing/key-encryption.js';
import type { MfaTotpRow } from './tables.js';

const aad = (userId: string) => `mfa-totp:${userId.toLowerCase()}`;

export function sealTotpSecret(kek: KeyEncryptionKey, userId: string, secret: Buffer) {
  const sealed = kek.seal(secret, aad(userId));
  return { secret_ciphertext: sealed.ciphertext, secret_iv: sealed.iv, secret_tag: sealed.tag, kek_id: sealed.kekId };
}

/** Throws KeyDecryptionError (another KEK, tampered row): a 500, never a wrong-code answer. */
export function openTotpSecret(kek: KeyEncryptionKey, row: Pick<MfaTotpRow, 'user_id' | 'secret_ciphertext' | 'secret_iv' | 'secret_tag' | 'kek_id'>): Buffer {
  return kek.open({ ciphertext: row.secret_ciphertext, iv: row.secret_iv, tag: row.secret_tag, kekId: row.kek_id }, aad(row.user_id));
}
