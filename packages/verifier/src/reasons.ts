/**
 * Why a token was refused, as a stable code a caller can branch on and log (issue 4 / DESIGN §4
 * and §6). The order is the order of the checks: the first failing check names the reason.
 */
export const VERIFY_FAILURE_REASONS = [
  'malformed',
  'unknown_kid',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'revoked',
  'session_revoked',
  'user_revoked',
  'device_mismatch',
  'geo_blocked',
  'rate_limited',
  'insufficient_scope',
  'revocation_state_stale',
] as const;

export type VerifyFailureReason = (typeof VERIFY_FAILURE_REASONS)[number];
