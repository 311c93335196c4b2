// Token and key events of DESIGN §3. A published schema is frozen: changing one means a new
// schemaVersion with an upcaster, never an edit here. Every object is strict so a producer bug
// (a misspelt or extra field) is caught at the producer and dead-lettered at consumers.
//
// Adding a token event: write its schema with `tokenEventSchema`, then add it to
// TOKEN_EVENT_SCHEMAS and EVENT_SUBJECT_NAME; the union, the type enum, the builder and the
// subject helpers pick it up, and the compiler flags every exhaustive switch that must handle it.
import { z } from 'zod';
import { InvalidEventError } from './errors.js';
import {
  Count,
  CountryCode,
  EpochMillis,
  Fingerprint,
  IpAddress,
  IsoDateTime,
  Reason,
  UserAgent,
  Uuid,
  UuidV7,
} from './ids.js';
import { ScopeList } from './scopes.js';

export const TokenType = z.enum(['ACCESS', 'REFRESH']);
export type TokenType = z.infer<typeof TokenType>;

/** Who caused the event; `id` is a user id, a service name or a job name depending on kind. */
export const Actor = z.strictObject({
  kind: z.enum(['user', 'admin', 'service', 'system']),
  id: z.string().min(1).max(128),
});
export type Actor = z.infer<typeof Actor>;

/** Fields every event carries; the id doubles as the JetStream `Nats-Msg-Id` for dedupe. */
const envelope = {
  id: UuidV7,
  schemaVersion: z.literal(1),
  occurredAt: IsoDateTime,
  actor: Actor,
};

/** Token events also name the user: it is the last token of their subject. */
function tokenEventSchema<const T extends string, const D extends z.core.$ZodLooseShape>(type: T, data: D) {
  return z.strictObject({ ...envelope, type: z.literal(type), userId: Uuid, data: z.strictObject(data) });
}

export const TokenIssued = tokenEventSchema('TokenIssued', {
  tokenId: Uuid,
  tokenType: TokenType,
  /** The session (refresh family); access tokens carry it so a session revokes as one. */
  familyId: Uuid,
  /** The refresh token this one rotated from; absent on login. */
  parentTokenId: Uuid.optional(),
  scopes: ScopeList,
  issuedAt: IsoDateTime,
  expiresAt: IsoDateTime,
  clientIp: IpAddress,
  userAgent: UserAgent,
  fingerprint: Fingerprint,
  allowedCountries: z.array(CountryCode).max(250).optional(),
});
export type TokenIssued = z.infer<typeof TokenIssued>;

export const TokenRevoked = tokenEventSchema('TokenRevoked', {
  tokenId: Uuid,
  tokenType: TokenType,
  familyId: Uuid,
  reason: Reason,
  /** Lets the revocation entry expire with the token it concerns. */
  expiresAt: IsoDateTime,
});
export type TokenRevoked = z.infer<typeof TokenRevoked>;

export const LogoutAll = tokenEventSchema('LogoutAll', {
  /** Tokens issued strictly before this instant (ms) are revoked. */
  notBefore: EpochMillis,
  reason: Reason,
  revokedCount: Count,
});
export type LogoutAll = z.infer<typeof LogoutAll>;

export const PasswordChanged = tokenEventSchema('PasswordChanged', {
  notBefore: EpochMillis,
});
export type PasswordChanged = z.infer<typeof PasswordChanged>;

export const TokenExpired = tokenEventSchema('TokenExpired', {
  tokenId: Uuid,
  tokenType: TokenType,
  expiresAt: IsoDateTime,
});
export type TokenExpired = z.infer<typeof TokenExpired>;

/**
 * A refresh token will expire soon (a configured time before `expiresAt`), so a client can
 * refresh in time instead of discovering it on its next call. Emitted by the sweeper.
 */
export const TokenExpiring = tokenEventSchema('TokenExpiring', {
  tokenId: Uuid,
  tokenType: TokenType,
  familyId: Uuid,
  expiresAt: IsoDateTime,
});
export type TokenExpiring = z.infer<typeof TokenExpiring>;

export const TokenReuseDetected = tokenEventSchema('TokenReuseDetected', {
  familyId: Uuid,
  /** The already-rotated refresh token that was presented again. */
  tokenId: Uuid,
  clientIp: IpAddress,
  userAgent: UserAgent,
});
export type TokenReuseDetected = z.infer<typeof TokenReuseDetected>;

/**
 * Why a verifier refused a token: the reason codes of `packages/verifier`, less the ones that are
 * the validator's own state (a stale revocation mirror says nothing about the caller).
 */
export const ValidationFailureReason = z.enum([
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
]);
export type ValidationFailureReason = z.infer<typeof ValidationFailureReason>;

/**
 * The envelope's `userId` when a refused token names no user we can trust (malformed, forged):
 * the RFC 9562 nil UUID, so the event still has a valid subject and lands in one bucket.
 */
export const UNKNOWN_USER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Refused tokens, aggregated: `count` failures with the same (userId, reason, clientIp) in
 * [windowStart, windowEnd). Producers aggregate and bound these (platform's
 * createValidationFailureReporter) so a flood of bad tokens cannot flood the stream.
 */
export const TokenValidationFailed = tokenEventSchema('TokenValidationFailed', {
  reason: ValidationFailureReason,
  /** The refused token's jti, only when it could be read (first one seen in the window). */
  tokenId: Uuid.optional(),
  clientIp: IpAddress,
  /** The User-Agent of the first failure in the window. */
  userAgent: UserAgent,
  count: z.int().min(1),
  windowStart: IsoDateTime,
  windowEnd: IsoDateTime,
});
export type TokenValidationFailed = z.infer<typeof TokenValidationFailed>;

/** Second-factor methods a user can enrol; one today, so a second is an addition. */
export const MfaMethod = z.enum(['totp']);
export type MfaMethod = z.infer<typeof MfaMethod>;

/** The user confirmed a second factor and received `recoveryCodes` single-use recovery codes. */
export const MfaEnabled = tokenEventSchema('MfaEnabled', {
  method: MfaMethod,
  recoveryCodes: Count,
  clientIp: IpAddress,
  userAgent: UserAgent,
});
export type MfaEnabled = z.infer<typeof MfaEnabled>;

/** The second factor was removed (its secret and recovery codes are gone); logins need only the password. */
export const MfaDisabled = tokenEventSchema('MfaDisabled', {
  method: MfaMethod,
  clientIp: IpAddress,
  userAgent: UserAgent,
});
export type MfaDisabled = z.infer<typeof MfaDisabled>;

/** A recovery code stood in for the second factor; `remaining` unused codes are left. */
export const RecoveryCodeUsed = tokenEventSchema('RecoveryCodeUsed', {
  remaining: Count,
  clientIp: IpAddress,
  userAgent: UserAgent,
});
export type RecoveryCodeUsed = z.infer<typeof RecoveryCodeUsed>;

/** Keyed by type; the constraint makes the compiler reject a key that differs from its type. */
function eventRegistry<R extends { [K in keyof R]: z.ZodType<{ type: K }> }>(registry: R): R {
  return registry;
}

const TOKEN_EVENT_SCHEMAS = eventRegistry({
  TokenIssued,
  TokenRevoked,
  LogoutAll,
  PasswordChanged,
  TokenExpired,
  TokenExpiring,
  TokenReuseDetected,
  TokenValidationFailed,
  MfaEnabled,
  MfaDisabled,
  RecoveryCodeUsed,
});

type TokenEventSchema = (typeof TOKEN_EVENT_SCHEMAS)[keyof typeof TOKEN_EVENT_SCHEMAS];
export type TokenEventType = keyof typeof TOKEN_EVENT_SCHEMAS;

/** The `<event>` token of `tokens.<event>.<userId>`: lowercase, past tense, subject-safe. */
export const EVENT_SUBJECT_NAME = {
  TokenIssued: 'issued',
  TokenRevoked: 'revoked',
  LogoutAll: 'logout_all',
  PasswordChanged: 'password_changed',
  TokenExpired: 'expired',
  TokenExpiring: 'expiring',
  TokenReuseDetected: 'reuse_detected',
  TokenValidationFailed: 'validation_failed',
  MfaEnabled: 'mfa_enabled',
  MfaDisabled: 'mfa_disabled',
  RecoveryCodeUsed: 'recovery_code_used',
} as const satisfies Record<TokenEventType, string>;
export type TokenEventName = (typeof EVENT_SUBJECT_NAME)[TokenEventType];

export const TokenEventType = z.enum(Object.keys(TOKEN_EVENT_SCHEMAS) as [TokenEventType, ...TokenEventType[]]);

export const TokenEvent = z.discriminatedUnion(
  'type',
  Object.values(TOKEN_EVENT_SCHEMAS) as [TokenEventSchema, ...TokenEventSchema[]],
);
export type TokenEvent = z.infer<typeof TokenEvent>;
export type TokenEventOf<T extends TokenEventType> = Extract<TokenEvent, { type: T }>;

/** Validates a decoded message body; a failure is terminated and dead-lettered, not retried. */
export function parseTokenEvent(json: unknown): z.ZodSafeParseResult<TokenEvent> {
  return TokenEvent.safeParse(json);
}

/**
 * Builds and validates a token event. Id and time come from the caller (a UUIDv7 generator and
 * a clock), so deciders stay pure and tests fix both. Throws InvalidEventError on a bad field.
 */
export function createTokenEvent<T extends TokenEventType>(
  type: T,
  fields: Omit<TokenEventOf<T>, 'type' | 'schemaVersion'>,
): TokenEventOf<T> {
  const result = TOKEN_EVENT_SCHEMAS[type].safeParse({ ...fields, type, schemaVersion: 1 });
  if (!result.success) throw new InvalidEventError(type, result.error);
  return result.data as TokenEventOf<T>;
}

// Key events live on stream KEY_EVENTS and concern no user, so their envelope has no userId.

/** Algorithms DESIGN §8 allows for signing keys. */
export const JwtAlg = z.enum(['ES256', 'EdDSA', 'RS256']);
export type JwtAlg = z.infer<typeof JwtAlg>;

/** JWS `kid`: kept to URL- and header-safe characters. */
export const KeyId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/);

export const SigningKeyRotated = z.strictObject({
  ...envelope,
  type: z.literal('SigningKeyRotated'),
  data: z.strictObject({
    kid: KeyId,
    alg: JwtAlg,
    /** Verifiers load the key before this instant; signers switch to it at this instant. */
    activatesAt: IsoDateTime,
  }),
});
export type SigningKeyRotated = z.infer<typeof SigningKeyRotated>;

/** A union of one today, so a second key event is an addition, not a change of type. */
export const KeyEvent = z.discriminatedUnion('type', [SigningKeyRotated]);
export type KeyEvent = z.infer<typeof KeyEvent>;

export function parseKeyEvent(json: unknown): z.ZodSafeParseResult<KeyEvent> {
  return KeyEvent.safeParse(json);
}

/** Same contract as createTokenEvent, for the key events. */
export function createKeyEvent<T extends KeyEvent['type']>(
  type: T,
  fields: Omit<Extract<KeyEvent, { type: T }>, 'type' | 'schemaVersion'>,
): Extract<KeyEvent, { type: T }> {
  const result = KeyEvent.safeParse({ ...fields, type, schemaVersion: 1 });
  if (!result.success) throw new InvalidEventError(type, result.error);
  return result.data as Extract<KeyEvent, { type: T }>;
}
