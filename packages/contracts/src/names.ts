// Stream, consumer and bucket names of DESIGN §3–§4, and the REVOCATIONS key/value contract.
// Names are constants here so a typo is a compile error, not a consumer that reads nothing.
import { z } from 'zod';
import { InvalidKvKeyError } from './errors.js';
import type { TokenEventType } from './events.js';
import { EpochMillis, EpochSeconds, Reason, Uuid } from './ids.js';
import { ALL_DLQ_SUBJECTS, ALL_KEY_EVENTS, ALL_TOKEN_EVENTS, tokenEventFilter } from './subjects.js';

export const STREAM = {
  TOKEN_EVENTS: 'TOKEN_EVENTS',
  TOKEN_EVENTS_DLQ: 'TOKEN_EVENTS_DLQ',
  KEY_EVENTS: 'KEY_EVENTS',
} as const;
export type StreamName = (typeof STREAM)[keyof typeof STREAM];

/** Subjects each stream captures; retention and replicas are the platform's call. */
export const STREAMS = {
  TOKEN_EVENTS: { name: STREAM.TOKEN_EVENTS, subjects: [ALL_TOKEN_EVENTS] },
  TOKEN_EVENTS_DLQ: { name: STREAM.TOKEN_EVENTS_DLQ, subjects: [ALL_DLQ_SUBJECTS] },
  KEY_EVENTS: { name: STREAM.KEY_EVENTS, subjects: [ALL_KEY_EVENTS] },
} as const satisfies Record<StreamName, { name: StreamName; subjects: readonly string[] }>;

export const DURABLE = {
  revocation: 'revocation',
  audit: 'audit',
  sweeper: 'sweeper',
  tokenApiExpiry: 'token-api-expiry',
} as const;
export type DurableConsumerName = (typeof DURABLE)[keyof typeof DURABLE];

function consumer(durable: DurableConsumerName, events: readonly TokenEventType[] | 'all') {
  return {
    durable,
    stream: STREAM.TOKEN_EVENTS,
    /** null = every token event; otherwise the types the handler acts on. */
    events: events === 'all' ? null : events,
    filterSubjects: events === 'all' ? [ALL_TOKEN_EVENTS] : events.map((e) => tokenEventFilter(e)),
  } as const;
}

/**
 * Durable consumers on TOKEN_EVENTS (DESIGN §3). nats-server < 2.10 takes one filter subject
 * per consumer: there, bind to ALL_TOKEN_EVENTS and ack-skip types not listed in `events`.
 */
export const CONSUMERS = {
  revocation: consumer(DURABLE.revocation, ['TokenRevoked', 'LogoutAll', 'PasswordChanged', 'TokenExpired']),
  audit: consumer(DURABLE.audit, 'all'),
  sweeper: consumer(DURABLE.sweeper, ['TokenIssued', 'TokenRevoked', 'LogoutAll', 'PasswordChanged']),
  tokenApiExpiry: consumer(DURABLE.tokenApiExpiry, ['TokenExpired']),
} as const satisfies Record<keyof typeof DURABLE, unknown>;

export const KV_BUCKET = { REVOCATIONS: 'REVOCATIONS' } as const;

// REVOCATIONS keys (DESIGN §4). KV keys are subject tokens, so ids are validated and lowercased
// for the same reason as in subjects.ts.

export const REVOCATION_KEY_PREFIX = { token: 'jti', session: 'sid', user: 'sub' } as const;
export type RevocationKeyKind = keyof typeof REVOCATION_KEY_PREFIX;

function keyId(id: string, what: string): string {
  if (!Uuid.safeParse(id).success) throw new InvalidKvKeyError(`${what} must be a UUID`);
  return id.toLowerCase();
}

/** `jti.<tokenId>`: one revoked token. */
export function revokedTokenKey(tokenId: string): string {
  return `${REVOCATION_KEY_PREFIX.token}.${keyId(tokenId, 'tokenId')}`;
}

/** `sid.<familyId>`: a revoked session (refresh family and its access tokens). */
export function revokedSessionKey(familyId: string): string {
  return `${REVOCATION_KEY_PREFIX.session}.${keyId(familyId, 'familyId')}`;
}

/** `sub.<userId>`: the user's not-before instant. */
export function userCutoffKey(userId: string): string {
  return `${REVOCATION_KEY_PREFIX.user}.${keyId(userId, 'userId')}`;
}

const PREFIX_TO_KIND = new Map<string, RevocationKeyKind>(
  Object.entries(REVOCATION_KEY_PREFIX).map(([kind, prefix]) => [prefix, kind as RevocationKeyKind]),
);

/** Inverse of the three builders, for KV watchers; null for any other key. */
export function parseRevocationKey(key: string): { kind: RevocationKeyKind; id: string } | null {
  const parts = key.split('.');
  if (parts.length !== 2) return null;
  const [prefix = '', id = ''] = parts;
  const kind = PREFIX_TO_KIND.get(prefix);
  if (kind === undefined || !Uuid.safeParse(id).success) return null;
  return { kind, id: id.toLowerCase() };
}

// Values are plain (not strict) objects on purpose: every service mirrors this bucket and they
// deploy at different times, so a field added by the writer must not make an old reader drop a
// revocation. Unknown fields are stripped.

/** Value at `jti.<tokenId>`; `exp` (JWT seconds) tells when the entry stops mattering. */
export const RevokedTokenEntry = z.object({ exp: EpochSeconds, reason: Reason, revokedAt: EpochMillis });
export type RevokedTokenEntry = z.infer<typeof RevokedTokenEntry>;

/** Value at `sid.<familyId>`. */
export const RevokedSessionEntry = z.object({ revokedAt: EpochMillis, reason: Reason });
export type RevokedSessionEntry = z.infer<typeof RevokedSessionEntry>;

/** Value at `sub.<userId>`: tokens issued before `notBefore` (ms) are revoked. */
export const UserCutoffEntry = z.object({ notBefore: EpochMillis });
export type UserCutoffEntry = z.infer<typeof UserCutoffEntry>;
