/**
 * Why a token was refused, as a stable code a caller can branch on and log (issue 4 / DESIGN §4
 * and §6). The order is the order of the checks: the first failing check names the reason.
 *
 * Two codes describe the verifier's own state rather than the token: `keys_unavailable` (the key
 * set could not be fetched, so the signature could not be checked) and `revocation_state_stale`
 * (the revocation mirror has been cut off from NATS past its bound and the staleness policy
 * refuses this token). Callers answer those with 503, not 401.
 */
export const VERIFY_FAILURE_REASONS = [
  'malformed',
  'keys_unavailable',
  'unknown_kid',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'revoked',
  'session_revoked',
  'user_revoked',
  'revocation_state_stale',
  'insufficient_scope',
  'device_mismatch',
  'geo_blocked',
  'rate_limited',
] as const;

export type VerifyFailureReason = (typeof VERIFY_FAILURE_REASONS)[number];

/** Reasons that say nothing about the caller's token: the verifier could not decide. */
export function isVerifierStateReason(reason: VerifyFailureReason): boolean {
  return reason === 'keys_unavailable' || reason === 'revocation_state_stale';
}
