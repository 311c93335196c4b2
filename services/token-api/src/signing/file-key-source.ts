import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JwtAlg } from '@tessera/contracts';
import { algForKey, describePublicKey } from './key-material.js';
import type { KeySource, KnownKey } from './key-store.js';

/**
 * Keys managed by the operator: the signing key (PKCS#8 PEM) and earlier public keys (SPKI PEM)
 * whose tokens may still be live. Rotation is done by replacing the files and restarting.
 */
export class FileKeySource implements KeySource {
  readonly rotatable = false;

  constructor(
    private readonly privateKeyFile: string,
    private readonly previousPublicKeyFiles: string[],
    private readonly alg: JwtAlg,
  ) {}

  async load(): Promise<KnownKey[]> {
    const privateKey = createPrivateKey(await readFile(this.privateKeyFile));
    const actual = algForKey(privateKey);
    if (actual !== this.alg) throw new Error(`JWT_PRIVATE_KEY_FILE holds a ${actual ?? 'unsupported'} key, JWT_ALG is ${this.alg}`);
    const publicKey = createPublicKey(privateKey);
    const current: KnownKey = { key: { ...(await describePublicKey(publicKey, this.alg)), alg: this.alg, privateKey, publicKey }, activatesAt: 0, retiredAt: null };

    const previous = await Promise.all(
      this.previousPublicKeyFiles.map(async (file): Promise<KnownKey> => {
        const key = createPublicKey(await readFile(file));
        const alg = algForKey(key);
        if (!alg) throw new Error(`${file}: unsupported key type`);
        // Published as retired "now": a file key stays until the operator removes the file.
        return { key: { ...(await describePublicKey(key, alg)), alg, privateKey: null, publicKey: key }, activatesAt: -1, retiredAt: Number.MAX_SAFE_INTEGER };
      }),
    );
    return [current, ...previous];
  }
}
