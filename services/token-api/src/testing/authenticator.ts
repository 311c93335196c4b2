// An authenticator app for tests: the codes a person would type, from the secret an enrollment
// returned. Codes are taken for the current step or the next one, each step once (token-api
// refuses a replayed step), waiting for the clock when both were used.
import { setTimeout as sleep } from 'node:timers/promises';
import { Secret } from 'otpauth';
import { stepAt, totpCode } from '../mfa/totp.js';

export class Authenticator {
  private lastStep = -1;
  constructor(readonly secret: Buffer) {}

  /** From the base32 secret shown to people who cannot scan the QR code. */
  static fromBase32(base32: string): Authenticator {
    return new Authenticator(Buffer.from(Secret.fromBase32(base32).bytes));
  }

  /** From the otpauth:// URI of an enrollment. */
  static fromUri(uri: string): Authenticator {
    const base32 = new URL(uri).searchParams.get('secret');
    if (!base32) throw new Error(`no secret in ${uri}`);
    return Authenticator.fromBase32(base32);
  }

  /** A code the server has not seen yet: the current step's, else the next one's, else wait. */
  async code(): Promise<string> {
    for (;;) {
      const current = stepAt(Date.now());
      const step = Math.max(this.lastStep + 1, current);
      if (step <= current + 1) {
        this.lastStep = step;
        return totpCode(this.secret, step);
      }
      await sleep((current + 1) * 30_000 - Date.now() + 50);
    }
  }

  /** The code of the step last handed out (to replay it). */
  lastCode(): string {
    return totpCode(this.secret, this.lastStep);
  }

  /** A code for none of the steps the server accepts now. */
  wrongCode(): string {
    const current = stepAt(Date.now());
    const accepted = new Set([current - 1, current, current + 1, current + 2].map((s) => totpCode(this.secret, s)));
    for (let n = 0; ; n++) {
      const candidate = String((Number(totpCode(this.secret, current)) + 1 + n * 7919) % 1_000_000).padStart(6, '0');
      if (!accepted.has(candidate)) return candidate;
    }
  }
}
