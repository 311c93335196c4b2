import { baseConfigSchema } from '@tessera/platform';
import { verifierConfigShape } from '@tessera/verifier';
import { z } from 'zod';

export const NotifierConfig = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9103),
  // token-api's JWKS and the claims the sockets' access tokens must carry.
  ...verifierConfigShape,
  /** Protocol-level ping period; a socket that has not answered the previous ping is dropped. */
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** A socket whose unsent data passes this is a slow reader and is closed. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  WS_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(20_000),
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).default(20),
  /** Bad or unknown messages a socket may send before it is closed. */
  WS_MAX_ERRORS: z.coerce.number().int().min(1).default(10),
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
});
export type NotifierConfig = z.infer<typeof NotifierConfig>;
