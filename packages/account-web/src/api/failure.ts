// What can go wrong with a call, in the terms the page acts on, and what to tell a person.
import { ErrorCode, MfaRequiredProblem, Problem, type ProblemFieldError } from '@tessera/contracts';
import { formatWait } from '../format/time.js';

export type ApiFailure =
  /** fetch itself failed: offline, DNS, the gateway is down, or the request timed out. */
  | { kind: 'network' }
  | { kind: 'invalid_credentials' }
  /** The password was right; a second factor is needed (unfamiliar device or country). */
  | { kind: 'mfa_required'; ticket: string; expiresAt: number }
  | { kind: 'invalid_mfa_code' }
  /** The call needs a second factor given in the last minutes (RFC 9470): step up with a code, then retry. */
  | { kind: 'step_up_required' }
  /** `retryAt` is an epoch-ms instant from Retry-After, null when the server gave none. */
  | { kind: 'locked'; retryAt: number | null }
  | { kind: 'rate_limited'; retryAt: number | null }
  /** The access token is no longer accepted: refresh, or sign in again. */
  | { kind: 'unauthorized' }
  | { kind: 'forbidden' }
  | { kind: 'not_found' }
  | { kind: 'validation'; fields: ProblemFieldError[] }
  /** A gateway or service said it cannot answer now (502, 503, 504). */
  | { kind: 'unavailable' }
  /** A 2xx whose body does not match the contract: a version mismatch, never shown raw. */
  | { kind: 'unexpected_response' }
  | { kind: 'server'; requestId: string | null };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly failure: ApiFailure,
    readonly status: number | null = null,
  ) {
    super(`API call failed: ${failure.kind}${status === null ? '' : ` (${status})`}`);
  }
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. Returns the instant (epoch ms) or null. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return nowMs + Number(value) * 1000;
  // An HTTP-date always names a weekday and month; this keeps Date.parse from reading '-5' as a year.
  if (!/[a-z]/i.test(value)) return null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(nowMs, date);
}

/** Turns an error response into a failure; branches on the problem `code`, then the status. */
export function failureFromResponse(status: number, body: unknown, retryAfter: string | null, nowMs: number): ApiFailure {
  const parsed = Problem.safeParse(body);
  const problem = parsed.success ? parsed.data : null;
  const code = problem?.code;
  if (code === ErrorCode.ACCOUNT_LOCKED || status === 423) return { kind: 'locked', retryAt: parseRetryAfter(retryAfter, nowMs) };
  if (code === ErrorCode.RATE_LIMITED || status === 429) return { kind: 'rate_limited', retryAt: parseRetryAfter(retryAfter, nowMs) };
  if (code === ErrorCode.INVALID_CREDENTIALS) return { kind: 'invalid_credentials' };
  if (code === ErrorCode.MFA_REQUIRED) {
    const challenge = MfaRequiredProblem.safeParse(body);
    if (!challenge.success) return { kind: 'unexpected_response' };
    return { kind: 'mfa_required', ticket: challenge.data.mfa_ticket, expiresAt: nowMs + challenge.data.mfa_ticket_expires_in * 1000 };
  }
  if (code === 'invalid_mfa_code') return { kind: 'invalid_mfa_code' };
  // Before the generic 401: the session is fine, the call wants a fresh code.
  if (code === ErrorCode.INSUFFICIENT_USER_AUTHENTICATION) return { kind: 'step_up_required' };
  if (status === 401) return { kind: 'unauthorized' };
  if (status === 403) return { kind: 'forbidden' };
  if (status === 404) return { kind: 'not_found' };
  if (status === 400 || status === 422) return { kind: 'validation', fields: problem?.errors ?? [] };
  if (status === 502 || status === 503 || status === 504) return { kind: 'unavailable' };
  return { kind: 'server', requestId: problem?.requestId ?? null };
}

const FIELD_NAMES: Record<string, string> = {
  email: 'Email',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  reason: 'Reason',
  code: 'Code',
};

/** One sentence a person can act on. Never the server's internal detail. */
export function describeFailure(failure: ApiFailure, nowMs: number): string {
  const wait = (retryAt: number | null) => (retryAt === null ? null : formatWait((retryAt - nowMs) / 1000));
  switch (failure.kind) {
    case 'network':
      return "Can't reach Tessera. Check your connection, then try again.";
    case 'invalid_credentials':
      return "That email and password don't match an account.";
    case 'mfa_required':
      return 'Enter the code from your authenticator app to finish signing in.';
    case 'invalid_mfa_code':
      return "That code is not right. Check your authenticator app (or the recovery code) and try again.";
    case 'step_up_required':
      return 'This action needs a fresh code from your authenticator app. Try again and enter the code when asked.';
    case 'locked': {
      const left = wait(failure.retryAt);
      return left === null
        ? 'Too many failed sign-in attempts: this account is locked for a while. Try again later.'
        : `Too many failed sign-in attempts: this account is locked. Try again in ${left}.`;
    }
    case 'rate_limited': {
      const left = wait(failure.retryAt);
      return left === null ? 'Too many attempts. Wait a little, then try again.' : `Too many attempts. Try again in ${left}.`;
    }
    case 'unauthorized':
      return 'Your session has ended. Please sign in again.';
    case 'forbidden':
      return "You don't have permission to do that.";
    case 'not_found':
      return 'That was not found. It may already be gone.';
    case 'validation': {
      if (failure.fields.length === 0) return 'Some of what you entered was not accepted. Check it and try again.';
      return failure.fields.map((f) => `${FIELD_NAMES[f.path.split('.')[0] ?? ''] ?? 'Input'}: ${f.message}`).join(' ');
    }
    case 'unavailable':
      return 'Tessera is not answering right now. Try again in a moment.';
    case 'unexpected_response':
      return "Tessera sent an answer this page doesn't understand. Reload the page; if it keeps happening, tell your administrator.";
    case 'server':
      return failure.requestId === null
        ? 'Something went wrong on our side. Try again.'
        : `Something went wrong on our side. Try again, or quote reference ${failure.requestId} to support.`;
    default: {
      const unhandled: never = failure;
      return unhandled;
    }
  }
}

/** The failure an unknown thrown value stands for (a bug in the page is not the network). */
export function toFailure(error: unknown): ApiFailure {
  if (error instanceof ApiError) return error.failure;
  return { kind: 'server', requestId: null };
}
