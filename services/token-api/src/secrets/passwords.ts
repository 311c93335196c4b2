import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id`: the package declares it as an ambient const enum, unusable as a value here. */
const ARGON2ID = 2 as Algorithm;

export interface Argon2Params {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id with the configured parameters. Verification of an unknown email runs against a
 * dummy hash made with the same parameters, so both paths cost the same (no user enumeration by
 * timing). A stored hash made with older parameters is upgraded at the next successful login.
 */
export class PasswordHasher {
  private constructor(
    readonly params: Argon2Params,
    private readonly dummyHash: string,
  ) {}

  static async create(params: Argon2Params): Promise<PasswordHasher> {
    const dummy = await hashWith(params, randomBytes(24).toString('base64url'));
    return new PasswordHasher(params, dummy);
  }

  hash(password: string): Promise<string> {
    return hashWith(this.params, password);
  }

  /** False for a wrong password and for a malformed stored hash alike. */
  async verify(storedHash: string | null, password: string): Promise<boolean> {
    try {
      const ok = await verify(storedHash ?? this.dummyHash, password);
      return storedHash !== null && ok;
    } catch {
      return false;
    }
  }

  /** True when the stored hash was made with other parameters than the configured ones. */
  needsRehash(storedHash: string): boolean {
    const { memoryKib: m, timeCost: t, parallelism: p } = this.params;
    return !storedHash.startsWith(`$argon2id$v=19$m=${m},t=${t},p=${p}$`);
  }
}

function hashWith(params: Argon2Params, password: string): Promise<string> {
  return hash(password, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
}
