// RFC 9457 problem details, the body of every HTTP error (DESIGN §5), and the codes services use.
import { z } from 'zod';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Machine-readable codes; clients branch on `code`, never on `title` or `detail`. */
export const ErrorCode = {
  VALIDATION_FAILED: 'validation_failed',
  PAYLOAD_TOO_LARGE: 'payload_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  UNAUTHORIZED: 'unauthorized',
  INVALID_CREDENTIALS: 'invalid_credentials',
  INVALID_TOKEN: 'invalid_token',
  INSUFFICIENT_SCOPE: 'insufficient_scope',
  FORBIDDEN: 'forbidden',
  RATE_LIMITED: 'rate_limited',
  ACCOUNT_LOCKED: 'account_locked',
  CONFLICT: 'conflict',
  MFA_REQUIRED: 'mfa_required',
  /** A wrong, malformed-for-the-account or replayed TOTP or recovery code. */
  INVALID_MFA_CODE: 'invalid_mfa_code',
  /** RFC 9470: the token's authentication is not recent or strong enough for this call (step up). */
  INSUFFICIENT_USER_AUTHENTICATION: 'insufficient_user_authentication',
  SERVICE_UNAVAILABLE: 'service_unavailable',
  INTERNAL_ERROR: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Default status per code, so every service answers the same code with the same status. */
export const ERROR_STATUS = {
  validation_failed: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  method_not_allowed: 405,
  unauthorized: 401,
  // Login failures: 401 whether the email exists or not (DESIGN §5).
  invalid_credentials: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  forbidden: 403,
  rate_limited: 429,
  // Not 423 (WebDAV, unknown to generic clients): 429 with Retry-After says when to try again.
  account_locked: 429,
  conflict: 409,
  mfa_required: 401,
  invalid_mfa_code: 401,
  insufficient_user_authentication: 401,
  service_unavailable: 503,
  internal_error: 500,
} as const satisfies Record<ErrorCode, number>;

/** One failing field of a validation error; `path` is dotted (`scopes.2`), `''` for the root. */
export const ProblemFieldError = z.strictObject({
  path: z.string().max(256),
  message: z.string().max(512),
});
export type ProblemFieldError = z.infer<typeof ProblemFieldError>;

/**
 * Loose: RFC 9457 §3.2 lets a problem carry extension members; a client must neither reject an
 * error because the server learnt a new one nor lose it in parsing.
 */
export const Problem = z.looseObject({
  /** `about:blank`, an absolute http(s) URI, or a path relative to the API (RFC 9457 §3.1.1). */
  type: z.union([z.literal('about:blank'), z.url({ protocol: /^https?$/ }), z.string().regex(/^\/[^\s]*$/)]),
  title: z.string().min(1).max(256),
  status: z.int().min(100).max(599),
  detail: z.string().max(2048).optional(),
  /** The request path, or a `urn:` naming this occurrence. */
  instance: z.string().max(2048).optional(),
  /** Open set (ErrorCode lists ours) so a new code never breaks an older client. */
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  /** Correlates the response with the server's log line. */
  requestId: z.string().max(128).optional(),
  errors: z.array(ProblemFieldError).max(100).optional(),
});
export type Problem = z.infer<typeof Problem>;
