// Blacklist maintenance (revocation service, admin) and the health endpoints every service serves.
import { z } from 'zod';
import { Count } from '../ids.js';

/** GET /tokens/blacklist/size: entries per key kind of the REVOCATIONS bucket. */
export const BlacklistSizeResponse = z.strictObject({
  revokedTokens: Count,
  revokedSessions: Count,
  userCutoffs: Count,
  total: Count,
});
export type BlacklistSizeResponse = z.infer<typeof BlacklistSizeResponse>;

/** POST /tokens/blacklist/cleanup: entries removed because what they concern has expired. */
export const BlacklistCleanupResponse = z.strictObject({ removed: Count });
export type BlacklistCleanupResponse = z.infer<typeof BlacklistCleanupResponse>;

export const HealthStatus = z.enum(['UP', 'DOWN']);
export type HealthStatus = z.infer<typeof HealthStatus>;

/** One dependency; `detail` is safe to show (e.g. `outbox backlog 12`), never a stack. */
export const HealthCheck = z.strictObject({ status: HealthStatus, detail: z.string().max(1024).optional() });
export type HealthCheck = z.infer<typeof HealthCheck>;

/** GET /health and /health/ready; `status` is UP only when every check is. */
export const HealthResponse = z.strictObject({
  status: HealthStatus,
  checks: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/), HealthCheck),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
