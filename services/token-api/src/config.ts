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

/** `id:secret` pairs; secrets of at least 16 characters (they are compared in constant time). */
const IntrospectionClients = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string().regex(/^[A-Za-z0-9._~-]{1,64}:[\x21-\x7e]{16,256}$/, 'each entry is id:secret (id [A-Za-z0-9._~-], secret 16+ printable characters)').transform((p) => {
        const at = p.indexOf(':');
        return { id: p.slice(0, at), secret: p.slice(at + 1) };
      }),
    ),
  )
  .refine((clients) => new Set(clients.map((c) => c.id)).size === clients.length, 'client ids must be unique');

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

    // Token policies on bearer routes (DESIGN §6) and introspection (issue 5).
    /** Accepted calls per access token in a rolling 60 s window, per replica; the next one is a 429. */
    TOKEN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(600),
    /** The header the edge sets with the client's ISO country code; only trust one the edge overwrites. */
    GEO_COUNTRY_HEADER: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).transform((h) => h.toLowerCase()).default('x-country-code'),
    /** Tokens with an ADMIN_* scope skip the geo restriction. */
    GEO_ADMIN_BYPASS: z.stringbool().default(false),
    /** `id:secret,id:secret`: services allowed to call /oauth2/introspect and /oauth2/revoke (HTTP Basic). */
    INTROSPECTION_CLIENTS: IntrospectionClients.default([]),
    /** last_used_at is coalesced in memory and written in one statement this often. */
    LAST_USED_FLUSH_MS: z.coerce.number().int().min(100).max(300_000).default(5_000),
    /** POST /oauth2/introspect answered before the Express stack (bench/introspection); false = through Express. */
    INTROSPECTION_FAST_PATH: z.stringbool().default(true),
    /** Refused tokens are aggregated per (user, reason, IP) over this window into one TokenValidationFailed. */
    VALIDATION_FAILURE_WINDOW_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
    /** auth_tokens_active_gauge is counted at scrape time, at most once per this interval. */
    ACTIVE_TOKENS_GAUGE_MAX_AGE_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),

    // Multi-factor login (issue 13).
    /** The issuer shown in authenticator apps (the otpauth:// label prefix). */
    MFA_TOTP_ISSUER: z.string().trim().min(1).max(64).regex(/^[^:]+$/, 'must not contain ":"').default('Tessera'),
    /** How long the ticket of a login that awaits its second factor stays usable. */
    MFA_TICKET_TTL_SECONDS: seconds(30, 3_600, 300),
    /** A sensitive call needing "a recent otp" accepts a second factor this old at most (amr + auth_time). */
    MFA_RECENT_SECONDS: seconds(30, 86_400, 300),
    /** `unfamiliar`: an enrolled user gives the code on a device or country not seen before; `always`: at every login. */
    MFA_LOGIN_POLICY: z.enum(['unfamiliar', 'always']).default('unfamiliar'),
    /** An admin's logout-all of another user needs a recent otp: `off`, `enrolled` (admins with MFA on) or `always`. */
    MFA_ADMIN_STEP_UP: z.enum(['off', 'enrolled', 'always']).default('enrolled'),
    /** A device or country unused this long is unfamiliar again (and forgotten). */
    KNOWN_DEVICE_TTL_DAYS: z.coerce.number().int().min(1).max(3_650).default(90),
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV === 'production' && !config.SIGNING_KEY_ENCRYPTION_KEY) {
      // It seals the signing keys (unless they come from files) and always the TOTP secrets.
      ctx.addIssue({ code: 'custom', path: ['SIGNING_KEY_ENCRYPTION_KEY'], message: 'is required in production (it seals signing keys and TOTP secrets)' });
    }
    if (config.JWT_PREVIOUS_PUBLIC_KEY_FILES && !config.JWT_PRIVATE_KEY_FILE) {
      ctx.addIssue({ code: 'custom', path: ['JWT_PREVIOUS_PUBLIC_KEY_FILES'], message: 'needs JWT_PRIVATE_KEY_FILE' });
    }
    if ((config.ADMIN_EMAIL === undefined) !== (config.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({ code: 'custom', path: [config.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'], message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together' });
    }
  });
export type TokenApiConfig = z.infer<typeof TokenApiConfig>;
