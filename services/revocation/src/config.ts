import { baseConfigSchema } from '@tessera/platform';
import { verifierConfigShape } from '@tessera/verifier';
import { z } from 'zod';

const minutes = (fallback: number) => z.coerce.number().int().min(1).max(525_600).default(fallback);

export const RevocationConfig = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9102),
  /** Access-token lifetime: how long a revoked session (`sid.*`) must stay listed. */
  ACCESS_TOKEN_EXPIRE_MINUTES: minutes(15),
  /** Longest token lifetime: the REVOCATIONS bucket's max_age (DESIGN §4). */
  REFRESH_TOKEN_EXPIRE_MINUTES: minutes(43_200),
  /** Added to per-key TTLs (nats-server ≥ 2.11) for clock differences between hosts. */
  CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  // token-api's key set and the claims the admin endpoints' bearer tokens must carry.
  ...verifierConfigShape,
  /** Handler attempts before an event is dead-lettered. */
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** Periodic removal of `jti` entries past their `exp` (what per-key TTL does on newer servers). 0 = only on request. */
  BLACKLIST_CLEANUP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
});
export type RevocationConfig = z.infer<typeof RevocationConfig>;
