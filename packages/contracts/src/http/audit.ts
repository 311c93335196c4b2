// GET /api/v1/auth/tokens/audit/{userId}, served by the audit service (DESIGN §5).
import { z } from 'zod';
import { Actor, TokenEventType } from '../events.js';
import { IpAddress, IsoDateTime, IsoDateTimeInput, UserAgent, Uuid, UuidV7 } from '../ids.js';
import { page, PageQuery } from './pagination.js';

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
