import { JwtAlg, NewPassword } from '@tessera/contracts';
import { baseConfigSchema, databaseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

const seconds = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/** 32 bytes, base64 (standard or url alphabet): the key-encryption key of the signing keys. */
const Kek = z
  .string()
  .transform((s) => Buffer.from(s, /[-_]/.test(s) ? 'base64url' : 'base64'))
  .refine((b) => b.length === 32, 'must be 32 bytes, base64-encoded');

const Email = z.string().trim().toLowerCase().max(254).check(z.email());

export const TokenApiConfig = baseConfigSchema
  .extend(databaseConfigSchema.shape)
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(9101),
    DATABASE_SCHEMA: databaseConfigSchema.shape.DATABASE_SCHEMA.default('token_api'),
    NODE_ENV: z.string().max(32).default('development'),

    ACCESS_TOKEN_EXPIRE_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    REFRESH_TOKEN_EXPIRE_MINUTES: z.coerce.number().int().min(1).max(525_600).default(43_200),
    JWT_ISSUER: z.string().min(1).max(256).default('http://localhost:9003'),
    JWT_AUDIENCE: z.string().min(1).max(256).default('tessera'),
    JWT_ALG: JwtAlg.default('ES256'),
    /** Base64 32 bytes. Required in production unless the keys come from files. */
    SIGNING_KEY_ENCRYPTION_KEY: Kek.optional(),
    /** PKCS#8 PEM of the signing key; when set, keys come from files and are not rotated by the API. */
    JWT_PRIVATE_KEY_FILE: z.string().min(1).optional(),
    /** Comma-separated SPKI PEM files of earlier keys whose tokens may still be live (served in the JWKS). */
    JWT_PREVIOUS_PUBLIC_KEY_FILES: z.string().min(1).optional(),
    /** A rotated-in key is published this long before it signs, so verifiers can fetch it first. */
    KEY_ACTIVATION_DELAY_SECONDS: seconds(0, 86_400, 0),
    /** How often a replica re-reads signing_keys (it also reloads on SigningKeyRotated). */
    KEY_RELOAD_INTERVAL_SECONDS: seconds(1, 3_600, 30),

    /** `open`: anyone may register; `admin`: only a caller with ADMIN_USERS. */
    REGISTRATION_MODE: z.enum(['open', 'admin']).default('open'),
    ADMIN_EMAIL: Email.optional(),
    ADMIN_PASSWORD: NewPassword.optional(),

    /** argon2id, OWASP's first recommended profile by default (19 MiB, t=2, p=1). */
    ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).max(1_048_576).default(19_456),
    ARGON2_TIME_COST: z.coerce.number().int().min(1).max(20).default(2),
    ARGON2_PARALLELISM: z.coerce.number().int().min(1).max(16).default(1),

    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1_000).default(5),
    LOGIN_FAILURE_WINDOW_SECONDS: seconds(1, 86_400, 900),
    LOGIN_LOCKOUT_SECONDS: seconds(1, 86_400, 900),
    LOGIN_IP_MAX_FAILURES: z.coerce.number().int().min(1).max(100_000).default(50),
    LOGIN_IP_WINDOW_SECONDS: seconds(1, 86_400, 900),

    /** A same-device retry of a just-rotated refresh token within this window is not theft. */
    REFRESH_GRACE_SECONDS: seconds(0, 300, 10),

    OUTBOX_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
    OUTBOX_RELAY_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
    /** The relay leaves events younger than this to the publish that follows each commit. */
    OUTBOX_RELAY_MIN_AGE_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
    /** /health reports the outbox DOWN once its oldest unpublished event is this old. */
    OUTBOX_STALE_SECONDS: seconds(1, 86_400, 60),

    // Expired and revoked token records and the published outbox log are kept this long, then
    // deleted in batches by every replica (src/retention). Exchanged refresh tokens are kept
    // until their own expiry + this, for reuse detection.
    TOKEN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
    RETENTION_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
    /** Rows per retention delete statement (each is its own short transaction). */
    RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(1_000),
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV === 'production' && !config.SIGNING_KEY_ENCRYPTION_KEY && !config.JWT_PRIVATE_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['SIGNING_KEY_ENCRYPTION_KEY'], message: 'is required in production (or set JWT_PRIVATE_KEY_FILE)' });
    }
    if (config.JWT_PREVIOUS_PUBLIC_KEY_FILES && !config.JWT_PRIVATE_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['JWT_PREVIOUS_PUBLIC_KEY_FILES'], message: 'needs JWT_PRIVATE_KEY_FILE' });
    }
    if ((config.ADMIN_EMAIL === undefined) !== (config.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({ code: 'custom', path: [config.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'], message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together' });
    }
  });
export type TokenApiConfig = z.infer<typeof TokenApiConfig>;
