import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** AES-256-GCM ciphertext of one private key; the kid is bound in as additional data. */
export interface SealedKey {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  kekId: string;
}

/** Thrown when a stored key cannot be opened (another KEK, or tampered rows). */
export class KeyDecryptionError extends Error {
  override readonly name = 'KeyDecryptionError';
  readonly code = 'ERR_SIGNING_KEY_DECRYPT';
}

/**
 * The key-encryption key. Its id (a hash prefix, never the key) is stored with each sealed key so
 * a start with the wrong KEK fails with a clear message instead of a GCM tag error.
 */
export class KeyEncryptionKey {
  readonly id: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new TypeError('key-encryption key must be 32 bytes');
    this.id = createHash('sha256').update('tessera-kek-id').update(key).digest('hex').slice(0, 16);
  }

  /**
   * Development only: a fixed, public key derived from a label, so the local runner needs no
   * environment. Anyone can derive it, which is why config refuses to start production without one.
   */
  static developmentDefault(): KeyEncryptionKey {
    return new KeyEncryptionKey(createHash('sha256').update('tessera development key-encryption key; never use in production').digest());
  }

  seal(plaintext: Buffer, kid: string): SealedKey {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(kid, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ciphertext, iv, tag: cipher.getAuthTag(), kekId: this.id };
  }

  open(sealed: SealedKey, kid: string): Buffer {
    if (sealed.kekId !== this.id) {
      throw new KeyDecryptionError(`signing key ${kid} was sealed under key-encryption key ${sealed.kekId}, not the configured ${this.id}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.iv);
      decipher.setAAD(Buffer.from(kid, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch (error) {
      throw new KeyDecryptionError(`signing key ${kid} failed authentication`, { cause: error });
    }
  }
}
