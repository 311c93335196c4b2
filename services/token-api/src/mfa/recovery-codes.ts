// Recovery codes: RECOVERY_CODE_COUNT single-use codes of 16 Crockford base32 characters
// (80 random bits each), shown once and stored as SHA-256.
//
// Why SHA-256 and not argon2id: a slow hash protects low-entropy secrets (passwords) against
// offline guessing. An 80-bit random code has no dictionary to guess from: 2^80 SHA-256
// evaluations per code is out of reach, so a stolen table reveals nothing usable, and the hash
// doubles as the lookup key (one indexed read per attempt, like refresh tokens), while online
// guessing is bounded by the account lockout.
import { randomInt } from 'node:crypto';
import { RECOVERY_CODE_ALPHABET, RECOVERY_CODE_COUNT } from '@tessera/contracts';
import { sha256Hex } from '../secrets/tokens.js';

const CODE_LENGTH = 16;

/** A fresh code in its display form, `XXXX-XXXX-XXXX-XXXX`. */
export function newRecoveryCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
  return code.match(/.{4}/g)!.join('-');
}

export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(newRecoveryCode());
  return [...codes];
}

/** Hash of a code in canonical form (`RecoveryCode`/`MfaCode` output, or a display code). */
export function recoveryCodeHash(code: string): string {
  return sha256Hex(code.replaceAll('-', ''));
}
