// Bodies of the auth endpoints of token-api (DESIGN §5).
import { z } from 'zod';
import { Email, IsoDateTime, Uuid } from '../ids.js';
import { Role, ScopeList } from '../scopes.js';

/** A password being set. The upper bound caps hashing cost per request. */
export const NewPassword = z.string().min(8).max(128);

/** A password being checked: any length we could have stored, so old passwords still log in. */
export const PasswordAttempt = z.string().min(1).max(128);

/** Compact JWS access token; 4096 is far above any token we issue and bounds what we parse. */
export const AccessTokenString = z.string().min(1).max(4096);

/** Opaque refresh token (random bytes, base64url). */
export const RefreshTokenString = z.string().min(1).max(512);

/** POST /api/v1/users */
export const RegisterRequest = z.strictObject({ email: Email, password: NewPassword });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/** A user as the API shows it; never the password hash. */
export const UserResponse = z.strictObject({
  id: Uuid,
  email: Email,
  role: Role,
  createdAt: IsoDateTime,
});
export type UserResponse = z.infer<typeof UserResponse>;

/** POST /api/v1/auth/login; without `scopes` the server grants the role's defaults. */
export const LoginRequest = z.strictObject({
  email: Email,
  password: PasswordAttempt,
  scopes: ScopeList.optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Login and refresh answer; snake_case as in RFC 6749 §5.1. */
export const TokenPairResponse = z.strictObject({
  access_token: AccessTokenString,
  refresh_token: RefreshTokenString,
  token_type: z.literal('Bearer'),
  /** Access-token lifetime in seconds. */
  expires_in: z.int().positive(),
  /** Granted scopes, space-separated (may be narrower than asked). */
  scope: z.string().max(1024),
});
export type TokenPairResponse = z.infer<typeof TokenPairResponse>;

/** POST /api/v1/auth/refresh */
export const RefreshRequest = z.strictObject({ refresh_token: RefreshTokenString });
export type RefreshRequest = z.infer<typeof RefreshRequest>;

/** POST /api/v1/auth/password */
export const PasswordChangeRequest = z
  .strictObject({ currentPassword: PasswordAttempt, newPassword: NewPassword })
  .refine((body) => body.newPassword !== body.currentPassword, {
    message: 'newPassword must differ from currentPassword',
    path: ['newPassword'],
  });
export type PasswordChangeRequest = z.infer<typeof PasswordChangeRequest>;
