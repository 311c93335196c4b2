import { describe, expect, it } from 'vitest';
import { TOTP_PROFILE, base32Of, matchTotp, newTotpSecret, otpauthUri, stepAt, totpCode, type TotpProfile } from './totp.js';

// RFC 6238 Appendix B: the seeds and the 8-digit codes for each time and hash.
const SEEDS = {
  SHA1: Buffer.from('12345678901234567890', 'ascii'),
  SHA256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
} as const;

const VECTORS: Array<[seconds: number, code: string, algorithm: keyof typeof SEEDS]> = [
  [59, '94287082', 'SHA1'],
  [59, '46119246', 'SHA256'],
  [59, '90693936', 'SHA512'],
  [1111111109, '07081804', 'SHA1'],
  [1111111109, '68084774', 'SHA256'],
  [1111111109, '25091201', 'SHA512'],
  [1111111111, '14050471', 'SHA1'],
  [1111111111, '67062674', 'SHA256'],
  [1111111111, '99943326', 'SHA512'],
  [1234567890, '89005924', 'SHA1'],
  [1234567890, '91819424', 'SHA256'],
  [1234567890, '93441116', 'SHA512'],
  [2000000000, '69279037', 'SHA1'],
  [2000000000, '90698825', 'SHA256'],
  [2000000000, '38618901', 'SHA512'],
  [20000000000, '65353130', 'SHA1'],
  [20000000000, '77737706', 'SHA256'],
  [20000000000, '47863826', 'SHA512'],
];

describe('RFC 6238 test vectors', () => {
  it.each(VECTORS)('T=%i: %s (%s), generated and matched to its step', (seconds, code, algorithm) => {
    const profile: TotpProfile = { algorithm, digits: 8, period: 30 };
    const step = Math.floor(seconds / 30);
    expect(totpCode(SEEDS[algorithm], step, profile)).toBe(code);
    expect(matchTotp(SEEDS[algorithm], code, seconds * 1000, profile)).toBe(step);
  });

  it.each(VECTORS.filter(([, , algorithm]) => algorithm === 'SHA1'))('T=%i: the enrolled 6-digit profile takes the last six digits of %s', (seconds, code) => {
    // HOTP truncation is the value mod 10^digits, so the 6-digit code is the 8-digit one's tail.
    expect(TOTP_PROFILE).toEqual({ algorithm: 'SHA1', digits: 6, period: 30 });
    expect(matchTotp(SEEDS.SHA1, code.slice(2), seconds * 1000)).toBe(Math.floor(seconds / 30));
    expect(totpCode(SEEDS.SHA1, Math.floor(seconds / 30))).toBe(code.slice(2));
  });
});

describe('matchTotp', () => {
  const secret = newTotpSecret();
  const now = 1_768_471_215_000; // 15 s into its step
  const step = stepAt(now);

  it('accepts the codes of the current step and one step either side, and says which step matched', () => {
    expect(matchTotp(secret, totpCode(secret, step), now)).toBe(step);
    expect(matchTotp(secret, totpCode(secret, step - 1), now)).toBe(step - 1);
    expect(matchTotp(secret, totpCode(secret, step + 1), now)).toBe(step + 1);
  });

  it('refuses codes two steps away, another secret\'s code, and codes of the wrong length', () => {
    expect(matchTotp(secret, totpCode(secret, step - 2), now)).toBeNull();
    expect(matchTotp(secret, totpCode(secret, step + 2), now)).toBeNull();
    const other = newTotpSecret();
    const foreign = totpCode(other, step);
    // (A one-in-a-million collision with one of the three accepted codes would be legitimate.)
    if (![step - 1, step, step + 1].some((s) => totpCode(secret, s) === foreign)) expect(matchTotp(secret, foreign, now)).toBeNull();
    expect(matchTotp(secret, totpCode(secret, step).slice(1), now)).toBeNull();
    expect(matchTotp(secret, `${totpCode(secret, step)}0`, now)).toBeNull();
  });
});

describe('enrollment material', () => {
  it('draws 160-bit secrets and writes the Key URI authenticator apps read', () => {
    const secret = newTotpSecret();
    expect(secret).toHaveLength(20);
    expect(newTotpSecret().equals(secret)).toBe(false);
    const base32 = base32Of(secret);
    expect(base32).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(otpauthUri(secret, 'Tessera', 'ann@example.org'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Tessera:ann@example.org');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ issuer: 'Tessera', secret: base32, algorithm: 'SHA1', digits: '6', period: '30' });
  });
});
