import { baseConfigSchema, databaseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

export const SweeperConfig = baseConfigSchema.extend(databaseConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9105),
  DATABASE_SCHEMA: databaseConfigSchema.shape.DATABASE_SCHEMA.default('sweeper'),
  /** Pause between sweeps once caught up; a full batch is followed by the next one at once. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(3_600_000).default(10_000),
  /** Rows per sweep transaction (and publishes in flight at once). */
  SWEEP_BATCH_SIZE: z.coerce.number().int().min(1).max(20_000).default(1_000),
  /** Sweep workers per process; 2 overlaps one batch's Postgres work with another's publishing. */
  SWEEP_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(2),
  /** TokenExpiring this long before a refresh token expires; 0 turns warnings off. */
  TOKEN_EXPIRING_WARNING_SECONDS: z.coerce.number().int().min(0).max(365 * 86_400).default(0),
  /** How long a revoked token's tombstone outlives the token, guarding against a late TokenIssued. */
  REVOKED_TOMBSTONE_GRACE_SECONDS: z.coerce.number().int().min(0).max(30 * 86_400).default(3_600),
  /** Attempts of the schedule consumer's handler before a message is dead-lettered. */
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** Schedule-consumer messages written per transaction at most. */
  CONSUMER_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(250),
});
export type SweeperConfig = z.infer<typeof SweeperConfig>;
