// The endpoints the pages use (DESIGN §5), each checked against its contract on the way out
// (the request) and on the way in (the response).
import {
  ActiveTokensResponse,
  AuditTrailResponse,
  LoginRequest,
  LogoutAllResponse,
  MfaLoginRequest,
  MfaStatusResponse,
  MfaStepUpRequest,
  PasswordChangeRequest,
  RefreshRequest,
  RevokeTokenRequest,
  RevokeTokenResponse,
  StepUpResponse,
  TokenPairResponse,
  TokenStats,
  TotpConfirmRequest,
  TotpConfirmResponse,
  TotpDisableRequest,
  TotpEnrollRequest,
  TotpEnrollResponse,
  UserListResponse,
  UserLookupQuery,
  UserResponse,
  Uuid,
  type ActiveToken,
} from '@tessera/contracts';
import type { z } from 'zod';
import { ApiError } from './failure.js';
import { call, type HttpConfig } from './http.js';

/** Pages of /tokens/active read per refresh of the list (100 each): far above any real user. */
const MAX_ACTIVE_PAGES = 10;

const id = (value: string) => encodeURIComponent(Uuid.parse(value));

export function createTesseraApi(http: HttpConfig) {
  return {
    /** Throws a `validation` failure before any request when the form data breaks the contract. */
    login(input: { email: string; password: string }) {
      const body = LoginRequest.safeParse(input);
      if (!body.success) throw validationError(body.error.issues);
      return call(http, { method: 'POST', path: '/api/v1/auth/login', body: body.data, schema: TokenPairResponse });
    },

    /** The second step of a login that answered `mfa_required`. */
    loginMfa(ticket: string, code: string) {
      const body = MfaLoginRequest.safeParse({ mfa_ticket: ticket, code });
      if (!body.success) throw validationError(body.error.issues);
      // The transformed code ({kind, code}) is what was checked; the wire carries what was typed.
      return call(http, { method: 'POST', path: '/api/v1/auth/login/mfa', body: { mfa_ticket: ticket, code: code.trim() }, schema: TokenPairResponse });
    },

    refresh(refreshToken: string) {
      return call(http, { method: 'POST', path: '/api/v1/auth/refresh', body: RefreshRequest.parse({ refresh_token: refreshToken }), schema: TokenPairResponse });
    },

    logout(accessToken: string) {
      return call(http, { method: 'POST', path: '/api/v1/auth/logout', accessToken, schema: null });
    },

    changePassword(accessToken: string, input: { currentPassword: string; newPassword: string }) {
      const body = PasswordChangeRequest.safeParse(input);
      if (!body.success) throw validationError(body.error.issues);
      return call(http, { method: 'POST', path: '/api/v1/auth/password', accessToken, body: body.data, schema: null });
    },

    /** Whether two-step sign-in is on, since when, and how many recovery codes are left. */
    mfaStatus(accessToken: string) {
      return call(http, { method: 'GET', path: '/api/v1/auth/mfa', accessToken, schema: MfaStatusResponse });
    },

    /** Starts TOTP enrollment (the password again): the QR code and secret for the app. */
    startTotp(accessToken: string, password: string) {
      const body = TotpEnrollRequest.safeParse({ password });
      if (!body.success) throw validationError(body.error.issues);
      return call(http, { method: 'POST', path: '/api/v1/auth/mfa/totp', accessToken, body: body.data, schema: TotpEnrollResponse });
    },

    /** Turns TOTP on with a first code; the answer holds the recovery codes, shown this once. */
    confirmTotp(accessToken: string, code: string) {
      const body = TotpConfirmRequest.safeParse({ code: code.trim() });
      if (!body.success) throw validationError(body.error.issues);
      return call(http, { method: 'POST', path: '/api/v1/auth/mfa/totp/confirm', accessToken, body: body.data, schema: TotpConfirmResponse });
    },

    /** Turns TOTP off: the password and a current code (or a recovery code). */
    disableTotp(accessToken: string, input: { password: string; code: string }) {
      const body = TotpDisableRequest.safeParse(input);
      if (!body.success) throw validationError(body.error.issues);
      return call(http, { method: 'DELETE', path: '/api/v1/auth/mfa/totp', accessToken, body: { password: input.password, code: input.code.trim() }, schema: null });
    },

    /** A fresh second factor for a call that answered `step_up_required`: an access token of this session with amr otp. */
    stepUp(accessToken: string, code: string) {
      const body = MfaStepUpRequest.safeParse({ code });
      if (!body.success) throw validationError(body.error.issues);
      return call(http, { method: 'POST', path: '/api/v1/auth/mfa/step-up', accessToken, body: { code: code.trim() }, schema: StepUpResponse });
    },

    /** Every active token of the caller (or, for an admin, of `userId`), all pages. */
    async activeTokens(accessToken: string, userId?: string): Promise<ActiveToken[]> {
      const items: ActiveToken[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_ACTIVE_PAGES; page++) {
        const result = await call(http, {
          method: 'GET',
          path: '/api/v1/auth/tokens/active',
          query: { limit: '100', cursor, userId: userId === undefined ? undefined : Uuid.parse(userId) },
          accessToken,
          schema: ActiveTokensResponse,
        });
        items.push(...result.items);
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      return items;
    },

    revokeToken(accessToken: string, tokenId: string, reason?: string) {
      const body = RevokeTokenRequest.parse(reason === undefined ? {} : { reason });
      return call(http, { method: 'DELETE', path: `/api/v1/auth/tokens/${id(tokenId)}`, accessToken, body, schema: RevokeTokenResponse });
    },

    logoutAll(accessToken: string, userId: string, reason?: string) {
      const body = RevokeTokenRequest.parse(reason === undefined ? {} : { reason });
      return call(http, { method: 'DELETE', path: `/api/v1/auth/tokens/all/${id(userId)}`, accessToken, body, schema: LogoutAllResponse });
    },

    stats(accessToken: string, userId?: string) {
      return call(http, {
        method: 'GET',
        path: '/api/v1/auth/tokens/stats',
        query: { userId: userId === undefined ? undefined : Uuid.parse(userId) },
        accessToken,
        schema: TokenStats,
      });
    },

    auditTrail(accessToken: string, userId: string, cursor?: string) {
      return call(http, {
        method: 'GET',
        path: `/api/v1/auth/tokens/audit/${id(userId)}`,
        query: { limit: '20', cursor },
        accessToken,
        schema: AuditTrailResponse,
      });
    },

    /** Admin: the user with this email, or null. */
    async findUserByEmail(accessToken: string, email: string): Promise<UserResponse | null> {
      const query = UserLookupQuery.parse({ email });
      const result = await call(http, { method: 'GET', path: '/api/v1/users', query, accessToken, schema: UserListResponse });
      return result.items[0] ?? null;
    },

    /** Admin: the user with this id, or null. */
    async getUser(accessToken: string, userId: string): Promise<UserResponse | null> {
      try {
        return await call(http, { method: 'GET', path: `/api/v1/users/${id(userId)}`, accessToken, schema: UserResponse });
      } catch (error) {
        if (error instanceof ApiError && error.failure.kind === 'not_found') return null;
        throw error;
      }
    },
  };
}

export type TesseraApi = ReturnType<typeof createTesseraApi>;

/** Client-side check failures, worded for people rather than for developers. */
function validationError(issues: readonly z.core.$ZodIssue[]): ApiError {
  return new ApiError({ kind: 'validation', fields: issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: friendlyIssue(issue) })) });
}

export function friendlyIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return Number(issue.minimum) <= 1 ? 'is required' : `must be at least ${String(issue.minimum)} characters`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)} characters`;
    case 'invalid_format':
      if (issue.format === 'email') return 'is not a valid email address';
      return issue.path.join('.') === 'code' ? 'must be the 6 digits your authenticator app shows' : 'is not in the expected format';
    case 'custom':
      if (issue.path.join('.') === 'newPassword') return 'must differ from your current password';
      if (issue.path.join('.') === 'code') return 'must be the 6-digit code from your app, or a recovery code';
      return issue.message;
    case 'invalid_type':
      return 'is required';
    default:
      return issue.message;
  }
}
