// GET /api/v1/auth/tokens/audit/{userId}, served by the audit service (DESIGN §5).
import { z } from 'zod';
import { Actor, TokenEventType, ValidationFailureReason } from '../events.js';
import { Count, IpAddress, IsoDateTime, IsoDateTimeInput, UserAgent, Uuid, UuidV7 } from '../ids.js';
import { MAX_PAGE_SIZE, page, PageQuery } from './pagination.js';

/** `from` inclusive, `to` exclusive; either may be omitted. */
export const AuditQuery = PageQuery.extend({
  action: TokenEventType.optional(),
  from: IsoDateTimeInput.optional(),
  to: IsoDateTimeInput.optional(),
}).refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) <= Date.parse(q.to), {
  message: 'from must not be after to',
  path: ['to'],
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** One audit row, projected from one token event. */
export const AuditEntry = z.strictObject({
  /** The source event's id, which is also the projection's idempotency key. */
  eventId: UuidV7,
  action: TokenEventType,
  userId: Uuid,
  /** Null for user-wide events (LogoutAll, PasswordChanged). */
  tokenId: Uuid.nullable(),
  actor: Actor,
  clientIp: IpAddress.nullable(),
  userAgent: UserAgent.nullable(),
  /** The event's data, minus the fields lifted into columns. */
  details: z.record(z.string().max(64), z.json()),
  occurredAt: IsoDateTime,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditTrailResponse = page(AuditEntry);
export type AuditTrailResponse = z.infer<typeof AuditTrailResponse>;

// Threat detection and the daily summary (admin, DESIGN §5), and the projection rebuild.

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/** GET /api/v1/audit/threats/brute-force: users with more than `threshold` refused tokens in the window. */
export const BruteForceQuery = z.strictObject({
  threshold: positiveInt(1_000_000).default(10),
  /** Ending now; at most a week. */
  windowMinutes: positiveInt(10_080).default(60),
  limit: positiveInt(MAX_PAGE_SIZE).default(100),
});
export type BruteForceQuery = z.infer<typeof BruteForceQuery>;

export const BruteForceSuspect = z.strictObject({
  userId: Uuid,
  /** Refused tokens in the window (the sum of the aggregated events' counts). */
  failures: Count,
  distinctIps: Count,
  /** Failures per verifier reason. */
  reasons: z.partialRecord(ValidationFailureReason, Count),
  firstSeen: IsoDateTime,
  lastSeen: IsoDateTime,
});
export type BruteForceSuspect = z.infer<typeof BruteForceSuspect>;

export const BruteForceResponse = z.strictObject({
  windowStart: IsoDateTime,
  windowEnd: IsoDateTime,
  threshold: Count,
  /** Most failures first. */
  items: z.array(BruteForceSuspect).max(MAX_PAGE_SIZE),
});
export type BruteForceResponse = z.infer<typeof BruteForceResponse>;

/** GET /api/v1/audit/threats/unusual-usage: users seen from more than `threshold` IPs or User-Agents. */
export const UnusualUsageQuery = z.strictObject({
  threshold: positiveInt(100_000).default(5),
  /** Ending now; the default is the 24 h of the runbooks, at most a week. */
  windowHours: positiveInt(168).default(24),
  limit: positiveInt(MAX_PAGE_SIZE).default(100),
});
export type UnusualUsageQuery = z.infer<typeof UnusualUsageQuery>;

export const UnusualUsageSuspect = z.strictObject({
  userId: Uuid,
  distinctIps: Count,
  distinctUserAgents: Count,
  /** Token issues and reuse detections in the window: the uses of the user's credentials. */
  events: Count,
  firstSeen: IsoDateTime,
  lastSeen: IsoDateTime,
});
export type UnusualUsageSuspect = z.infer<typeof UnusualUsageSuspect>;

export const UnusualUsageResponse = z.strictObject({
  windowStart: IsoDateTime,
  windowEnd: IsoDateTime,
  threshold: Count,
  /** Most distinct IPs first. */
  items: z.array(UnusualUsageSuspect).max(MAX_PAGE_SIZE),
});
export type UnusualUsageResponse = z.infer<typeof UnusualUsageResponse>;

/** GET /api/v1/audit/summary/daily: the last `days` UTC days, today included. */
export const DailySummaryQuery = z.strictObject({ days: positiveInt(366).default(7) });
export type DailySummaryQuery = z.infer<typeof DailySummaryQuery>;

export const DailySummaryDay = z.strictObject({
  /** UTC calendar day, YYYY-MM-DD. */
  date: z.iso.date(),
  /** Token lifecycle events (every audited event but validation failures). */
  operations: Count,
  revocations: Count,
  logoutAlls: Count,
  reuseDetections: Count,
  /** Refused tokens (sum of the aggregated counts). */
  validationFailures: Count,
});
export type DailySummaryDay = z.infer<typeof DailySummaryDay>;

export const DailySummaryResponse = z.strictObject({
  /** Oldest first, one entry per day, days without events as zeros. */
  days: z.array(DailySummaryDay).max(366),
});
export type DailySummaryResponse = z.infer<typeof DailySummaryResponse>;

/** POST/GET /api/v1/audit/rebuild: the projection rebuild run by this audit replica. */
export const AuditRebuildStatus = z.strictObject({
  state: z.enum(['idle', 'running', 'succeeded', 'failed']),
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
  /** Events read back from the stream so far. */
  replayed: Count,
  /** The stream sequence the replay runs up to (events after it are copied from the live table). */
  targetSequence: Count,
  /** Rows in the table once swapped in. */
  rows: Count.nullable(),
  error: z.string().max(512).nullable(),
});
export type AuditRebuildStatus = z.infer<typeof AuditRebuildStatus>;
