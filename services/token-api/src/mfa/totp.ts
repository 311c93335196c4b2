// TOTP (RFC 6238) through `otpauth`: secrets, key URIs, and matching a code to its time step.
import { randomBytes } from 'node:crypto';
import { TOTP_ALGORITHM, TOTP_DIGITS, TOTP_PERIOD_SECONDS } from '@tessera/contracts';
import { Secret, TOTP } from 'otpauth';

/** 160 bits, the HMAC-SHA-1 block-sized secret RFC 4226 §4 recommends. */
export const TOTP_SECRET_BYTES = 20;

/** Steps accepted either side of the current one (±30 s of clock drift, RFC 6238 §5.2). */
export const TOTP_WINDOW = 1;

export interface TotpProfile {
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period: number;
}

/** What we enrol: the profile every authenticator app understands. */
export const TOTP_PROFILE: TotpProfile = { algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS };

export function newTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

export function base32Of(secret: Buffer): string {
  return new Secret({ buffer: new Uint8Array(secret).buffer }).base32;
}

/** The time step (counter) of an instant. */
export function stepAt(nowMs: number, profile: TotpProfile = TOTP_PROFILE): number {
  return Math.floor(nowMs / 1000 / profile.period);
}

/** The Key URI Format authenticator apps scan: otpauth://totp/<issuer>:<account>?secret=…&issuer=… */
export function otpauthUri(secret: Buffer, issuer: string, account: string): string {
  return totpFor(secret, TOTP_PROFILE, { issuer, label: account }).toString();
}

/** The code of a step; for tests and tools (the server only ever checks codes). */
export function totpCode(secret: Buffer, step: number, profile: TotpProfile = TOTP_PROFILE): string {
  return totpFor(secret, profile).generate({ timestamp: step * profile.period * 1000 });
}

/**
 * The step within ±TOTP_WINDOW of `nowMs` whose code is `code`, or null. Comparison is constant
 * time (otpauth compares with timingSafeEqual); which step matched is for the replay check.
 */
export function matchTotp(secret: Buffer, code: string, nowMs: number, profile: TotpProfile = TOTP_PROFILE): number | null {
  const delta = totpFor(secret, profile).validate({ token: code, timestamp: nowMs, window: TOTP_WINDOW });
  return delta === null ? null : stepAt(nowMs, profile) + delta;
}

function totpFor(secret: Buffer, profile: TotpProfile, labels: { issuer?: string; label?: string } = {}): TOTP {
  return new TOTP({
    ...labels,
    issuerInLabel: labels.issuer !== undefined,
    algorithm: profile.algorithm,
    digits: profile.digits,
    period: profile.period,
    secret: new Secret({ buffer: new Uint8Array(secret).buffer }),
  });
}
