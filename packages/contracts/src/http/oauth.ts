// RFC 7662 introspection and RFC 7009 revocation on token-api.
// Requests are plain objects, not strict: RFC 6749 §3.2 requires the server to ignore
// unrecognised parameters (clients send client_id, client_secret and extensions in the body).
import { z } from 'zod';
import { EpochSeconds, Uuid } from '../ids.js';

export const TokenTypeHint = z.enum(['access_token', 'refresh_token']);
export type TokenTypeHint = z.infer<typeof TokenTypeHint>;

/** The token to inspect or revoke: large enough for a JWS, bounded against abuse. */
const TokenParam = z.string().min(1).max(4096);

/** POST /oauth2/introspect (form or JSON). */
export const IntrospectRequest = z.object({ token: TokenParam, token_type_hint: TokenTypeHint.optional() });
export type IntrospectRequest = z.infer<typeof IntrospectRequest>;

/** A valid token. Optional members are those a token of ours may lack. */
export const IntrospectActiveResponse = z.strictObject({
  active: z.literal(true),
  /** Space-separated scopes. */
  scope: z.string().max(1024),
  client_id: z.string().max(128).optional(),
  /** The user's email. */
  username: z.string().max(254).optional(),
  /** `Bearer` for access tokens, `refresh_token` for refresh tokens. */
  token_type: z.string().min(1).max(32),
  exp: EpochSeconds,
  iat: EpochSeconds,
  nbf: EpochSeconds.optional(),
  sub: Uuid,
  aud: z.union([z.string().max(256), z.array(z.string().max(256)).max(16)]).optional(),
  iss: z.string().max(256),
  jti: Uuid,
});
export type IntrospectActiveResponse = z.infer<typeof IntrospectActiveResponse>;

/** RFC 7662 §2.2: an invalid, expired, revoked or unknown token says nothing more. */
export const IntrospectInactiveResponse = z.strictObject({ active: z.literal(false) });
export type IntrospectInactiveResponse = z.infer<typeof IntrospectInactiveResponse>;

export const IntrospectResponse = z.discriminatedUnion('active', [
  IntrospectActiveResponse,
  IntrospectInactiveResponse,
]);
export type IntrospectResponse = z.infer<typeof IntrospectResponse>;

/** POST /oauth2/revoke; answered 200 whether or not the token existed (RFC 7009 §2.2). */
export const OAuthRevokeRequest = z.object({ token: TokenParam, token_type_hint: TokenTypeHint.optional() });
export type OAuthRevokeRequest = z.infer<typeof OAuthRevokeRequest>;

/** RFC 6749 §5.2 error body; the /oauth2 endpoints use it instead of problem+json. */
export const OAuthErrorResponse = z.object({
  error: z.enum(['invalid_request', 'invalid_client', 'unauthorized_client', 'unsupported_token_type', 'server_error']),
  error_description: z.string().max(512).optional(),
});
export type OAuthErrorResponse = z.infer<typeof OAuthErrorResponse>;
