// Bodies of token-api's multi-factor endpoints (issue 13): TOTP enrollment, the second step of a
// login, step-up for sensitive calls, and the account's MFA status.
import { z } from 'zod';
import { Count, IsoDateTime } from '../ids.js';
import { Problem } from '../problem.js';
import { AccessTokenString, PasswordAttempt } from './auth.js';

/** The TOTP profile every authenticator app supports (RFC 6238 defaults): SHA-1, 6 digits, 30 s. */
export const TOTP_ALGORITHM = 'SHA1';
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;

/** Recovery codes handed out at activation, each usable once. */
export const RECOVERY_CODE_COUNT = 10;

/**
 * Crockford's base32 alphabet (no I, L, O, U): 16 characters carry 80 random bits, and a code
 * read aloud or typed from paper survives the usual confusions (see normalizeRecoveryCode).
 */
export const RECOVERY_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/** A recovery code as shown to the user: four groups of four, `7K3M-Q9XD-2WFA-H8RT`. */
export const RecoveryCodeString = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3}$/);

/** The canonical form of a typed recovery code: separators dropped, upper case, I/L → 1, O → 0. */
export function normalizeRecoveryCode(input: string): string {
  return input
    .replace(/[\s-]/g, '')
    .toUpperCase()
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');
}

/** A six-digit TOTP code; spaces typed between groups ("123 456") are dropped. */
export const TotpCode = z
  .string()
  .max(16)
  .transform((s) => s.replace(/\s/g, ''))
  .pipe(z.string().regex(/^\d{6}$/, 'must be 6 digits'));

/** A typed recovery code, in its canonical 16-character form. */
export const RecoveryCode = z
  .string()
  .max(32)
  .transform(normalizeRecoveryCode)
  .pipe(z.string().regex(RECOVERY_CODE, 'must be a recovery code'));

/** Either second factor in one field: six digits are a TOTP code, anything else must be a recovery code. */
export const MfaCode = z
  .string()
  .max(32)
  .transform((raw, ctx) => {
    const compact = raw.replace(/\s/g, '');
    if (/^\d{6}$/.test(compact)) return { kind: 'totp' as const, code: compact };
    const recovery = normalizeRecoveryCode(raw);
    if (RECOVERY_CODE.test(recovery)) return { kind: 'recovery' as const, code: recovery };
    ctx.addIssue({ code: 'custom', message: 'must be a 6-digit code or a recovery code' });
    return z.NEVER;
  });
export type MfaCode = z.output<typeof MfaCode>;

/**
 * The single-use ticket a password-correct login gets when a second factor is needed. It only
 * opens POST /api/v1/auth/login/mfa; its prefix keeps it from ever looking like a token.
 */
export const MfaTicket = z.string().regex(/^mfa_[A-Za-z0-9_-]{43}$/);

/** POST /api/v1/auth/mfa/totp: starting enrollment re-checks the password (a stolen access token is not enough). */
export const TotpEnrollRequest = z.strictObject({ password: PasswordAttempt });
export type TotpEnrollRequest = z.infer<typeof TotpEnrollRequest>;

export const TotpEnrollResponse = z.strictObject({
  method: z.literal('totp'),
  /** Key URI for authenticator apps: otpauth://totp/<issuer>:<email>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 */
  otpauthUri: z.string().max(2048).regex(/^otpauth:\/\/totp\//),
  /** The same URI as a QR code, a `data:image/png;base64,` URL. */
  qrCode: z.string().max(65_536).regex(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/),
  /** The base32 secret, for typing into an app that cannot scan. */
  secret: z.string().regex(/^[A-Z2-7]{32}$/),
  algorithm: z.literal(TOTP_ALGORITHM),
  digits: z.literal(TOTP_DIGITS),
  period: z.literal(TOTP_PERIOD_SECONDS),
});
export type TotpEnrollResponse = z.infer<typeof TotpEnrollResponse>;

/** POST /api/v1/auth/mfa/totp/confirm */
export const TotpConfirmRequest = z.strictObject({ code: TotpCode });
export type TotpConfirmRequest = z.infer<typeof TotpConfirmRequest>;

/** The recovery codes are in this answer only: they are stored hashed. */
export const TotpConfirmResponse = z.strictObject({
  method: z.literal('totp'),
  enabledAt: IsoDateTime,
  recoveryCodes: z.array(RecoveryCodeString).length(RECOVERY_CODE_COUNT),
});
export type TotpConfirmResponse = z.infer<typeof TotpConfirmResponse>;

/** DELETE /api/v1/auth/mfa/totp: the password and a current code (or a recovery code). */
export const TotpDisableRequest = z.strictObject({ password: PasswordAttempt, code: MfaCode });
export type TotpDisableRequest = z.infer<typeof TotpDisableRequest>;

/** POST /api/v1/auth/login/mfa → TokenPairResponse */
export const MfaLoginRequest = z.strictObject({ mfa_ticket: MfaTicket, code: MfaCode });
export type MfaLoginRequest = z.infer<typeof MfaLoginRequest>;

/** The 401 of a password-correct login that needs the second factor: a problem with extension members. */
export const MfaRequiredProblem = Problem.extend({
  status: z.literal(401),
  code: z.literal('mfa_required'),
  mfa_ticket: MfaTicket,
  /** Seconds the ticket stays usable. */
  mfa_ticket_expires_in: z.int().positive(),
  mfa_methods: z.array(z.enum(['totp', 'recovery_code'])).min(1),
});
export type MfaRequiredProblem = z.infer<typeof MfaRequiredProblem>;

/** POST /api/v1/auth/mfa/step-up (bearer): a fresh second factor for calls that require a recent one. */
export const MfaStepUpRequest = z.strictObject({ code: MfaCode });
export type MfaStepUpRequest = z.infer<typeof MfaStepUpRequest>;

/** An access token of the caller's session whose `amr` holds `otp` and `auth_time` is now. */
export const StepUpResponse = z.strictObject({
  access_token: AccessTokenString,
  token_type: z.literal('Bearer'),
  expires_in: z.int().positive(),
  scope: z.string().max(1024),
});
export type StepUpResponse = z.infer<typeof StepUpResponse>;

/** GET /api/v1/auth/mfa */
export const MfaStatusResponse = z.strictObject({
  totp: z.enum(['disabled', 'pending', 'enabled']),
  enabledAt: IsoDateTime.nullable(),
  recoveryCodesRemaining: Count,
});
export type MfaStatusResponse = z.infer<typeof MfaStatusResponse>;
