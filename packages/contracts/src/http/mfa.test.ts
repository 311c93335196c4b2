import { describe, expect, it } from 'vitest';
import {
  MfaCode,
  MfaLoginRequest,
  MfaRequiredProblem,
  MfaStatusResponse,
  RECOVERY_CODE_ALPHABET,
  RecoveryCode,
  TotpCode,
  TotpConfirmResponse,
  TotpDisableRequest,
  TotpEnrollResponse,
  normalizeRecoveryCode,
} from './mfa.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;
const TICKET = `mfa_${'A'.repeat(21)}-_${'z'.repeat(20)}`;

describe('codes', () => {
  it('TotpCode: six digits, spaces between groups dropped', () => {
    expect(TotpCode.parse('123456')).toBe('123456');
    expect(TotpCode.parse('123 456')).toBe('123456');
    for (const bad of ['12345', '1234567', '12345a', '', '１２３４５６', 123456, ' '.repeat(17)]) expect(ok(TotpCode, bad), String(bad)).toBe(false);
  });

  it('RecoveryCode: 16 Crockford base32 characters, typed loosely', () => {
    expect(RECOVERY_CODE_ALPHABET).toHaveLength(32);
    expect(RecoveryCode.parse('7k3m-q9xd-2wfa-h8rt')).toBe('7K3MQ9XD2WFAH8RT');
    // I and L read as 1, O as 0: the letters the alphabet leaves out.
    expect(normalizeRecoveryCode('ilo0 ABCD-EFGH JKMN')).toBe('1100ABCDEFGHJKMN');
    for (const bad of ['7K3M-Q9XD-2WFA-H8R', '7K3M-Q9XD-2WFA-H8RTX', 'UUUU-UUUU-UUUU-UUUU', '7K3M_Q9XD_2WFA_H8RT', 'x'.repeat(33)]) {
      expect(ok(RecoveryCode, bad), bad).toBe(false);
    }
  });

  it('MfaCode: tells a TOTP code from a recovery code, refuses anything else', () => {
    expect(MfaCode.parse('654 321')).toEqual({ kind: 'totp', code: '654321' });
    expect(MfaCode.parse('7K3M-Q9XD-2WFA-H8RT')).toEqual({ kind: 'recovery', code: '7K3MQ9XD2WFAH8RT' });
    for (const bad of ['', '12345', '1234567', 'ABCD', '7K3M-Q9XD-2WFA-H8RT-0000', null, 42, 'x'.repeat(33)]) expect(ok(MfaCode, bad), String(bad)).toBe(false);
  });
});

describe('MfaLoginRequest', () => {
  it('takes a ticket and a code, nothing else', () => {
    expect(ok(MfaLoginRequest, { mfa_ticket: TICKET, code: '123456' })).toBe(true);
    for (const patch of [{ mfa_ticket: TICKET.slice(1) }, { mfa_ticket: `mfa_${'a'.repeat(42)}` }, { mfa_ticket: 'eyJhbGciOiJFUzI1NiJ9.e30.sig' }, { mfa_ticket: `${TICKET}=` }, { code: '' }, { extra: 1 }]) {
      expect(ok(MfaLoginRequest, { mfa_ticket: TICKET, code: '123456', ...patch }), JSON.stringify(patch)).toBe(false);
    }
    expect(ok(MfaLoginRequest, { code: '123456' })).toBe(false);
  });
});

describe('responses', () => {
  it('MfaRequiredProblem is a problem with the ticket as an extension member', () => {
    const problem = { type: 'about:blank', title: 'Unauthorized', status: 401, code: 'mfa_required', detail: 'A second factor is required', mfa_ticket: TICKET, mfa_ticket_expires_in: 300, mfa_methods: ['totp', 'recovery_code'] };
    expect(ok(MfaRequiredProblem, problem)).toBe(true);
    expect(ok(MfaRequiredProblem, { ...problem, code: 'invalid_credentials' })).toBe(false);
    expect(ok(MfaRequiredProblem, { ...problem, mfa_ticket: undefined })).toBe(false);
    expect(ok(MfaRequiredProblem, { ...problem, mfa_methods: [] })).toBe(false);
  });

  it('TotpEnrollResponse and TotpConfirmResponse', () => {
    const enroll = {
      method: 'totp',
      otpauthUri: 'otpauth://totp/Tessera:ann%40example.org?issuer=Tessera&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
      qrCode: 'data:image/png;base64,iVBORw0KGgo=',
      secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    };
    expect(ok(TotpEnrollResponse, enroll)).toBe(true);
    for (const patch of [{ otpauthUri: 'otpauth://hotp/x' }, { qrCode: 'data:image/svg+xml,<svg/>' }, { secret: 'jbswy3dpehpk3pxp' }, { digits: 8 }]) {
      expect(ok(TotpEnrollResponse, { ...enroll, ...patch }), JSON.stringify(patch)).toBe(false);
    }
    const codes = Array.from({ length: 10 }, (_, i) => `7K3M-Q9XD-2WFA-H8R${i}`);
    expect(ok(TotpConfirmResponse, { method: 'totp', enabledAt: '2026-01-15T10:00:00.000Z', recoveryCodes: codes })).toBe(true);
    expect(ok(TotpConfirmResponse, { method: 'totp', enabledAt: '2026-01-15T10:00:00.000Z', recoveryCodes: codes.slice(1) })).toBe(false);
    expect(ok(TotpConfirmResponse, { method: 'totp', enabledAt: '2026-01-15T10:00:00.000Z', recoveryCodes: [...codes.slice(1), '7K3MQ9XD2WFAH8RT'] })).toBe(false);
  });

  it('TotpDisableRequest needs the password and a code; MfaStatusResponse', () => {
    expect(ok(TotpDisableRequest, { password: 'pw', code: '123456' })).toBe(true);
    expect(ok(TotpDisableRequest, { code: '123456' })).toBe(false);
    expect(ok(TotpDisableRequest, { password: 'pw' })).toBe(false);
    expect(ok(MfaStatusResponse, { totp: 'enabled', enabledAt: '2026-01-15T10:00:00.000Z', recoveryCodesRemaining: 10 })).toBe(true);
    expect(ok(MfaStatusResponse, { totp: 'on', enabledAt: null, recoveryCodesRemaining: 0 })).toBe(false);
  });
});
