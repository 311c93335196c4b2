import { JwtAlg } from '@tessera/contracts';
import { baseConfigSchema } from '@tessera/platform';
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
  /** token-api's key set, for the bearer tokens of the admin endpoints. */
  JWKS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9101/.well-known/jwks.json'),
  JWT_ISSUER: z.string().min(1).max(256).default('http://localhost:9003'),
  JWT_AUDIENCE: z.string().min(1).max(256).default('tessera'),
  JWT_ALG: JwtAlg.default('ES256'),
  /** Handler attempts before an event is dead-lettered. */
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** Periodic removal of `jti` entries past their `exp` (what per-key TTL does on newer servers). 0 = only on request. */
  BLACKLIST_CLEANUP_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(900),
});
export type RevocationConfig = z.infer<typeof RevocationConfig>;
