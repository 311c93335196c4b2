import { baseConfigSchema, databaseConfigSchema } from '@tessera/platform';
import { verifierConfigShape } from '@tessera/verifier';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const AuditConfig = baseConfigSchema.extend(databaseConfigSchema.shape).extend({
  PORT: int(0, 65535).default(9104),
  DATABASE_SCHEMA: databaseConfigSchema.shape.DATABASE_SCHEMA.default('audit'),
  // token-api's JWKS and the claims the audit API's bearer tokens must carry.
  ...verifierConfigShape,
  /** Messages pulled and written per multi-row insert. */
  AUDIT_BATCH_SIZE: int(1, 1_000).default(500),
  /** Handler attempts before an event is dead-lettered (a database outage is retried this often). */
  AUDIT_MAX_ATTEMPTS: int(1, 1_000).default(20),
  /** How often the consumer's pending count is read for the lag gauge. */
  AUDIT_LAG_POLL_INTERVAL_MS: int(100, 600_000).default(5_000),
  /** Rows whose event occurred longer ago than this are purged. */
  AUDIT_RETENTION_DAYS: int(1, 36_500).default(365),
  AUDIT_RETENTION_INTERVAL_MS: int(1_000, 86_400_000).default(3_600_000),
  /** Rows deleted per statement, so a purge never holds long locks or bloats one transaction. */
  AUDIT_RETENTION_BATCH_SIZE: int(1, 100_000).default(5_000),
});
export type AuditConfig = z.infer<typeof AuditConfig>;
