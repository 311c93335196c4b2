// createVerifier's options, checked once at construction. A bad value throws a TypeError naming
// the option (oidc-provider's rule: configuration errors say which key is wrong).
import { JwtAlg, type Scope } from '@tessera/contracts';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import type { JsonWebKeySet } from './keys/jwks.js';
import type { RevocationView } from './revocation/index-state.js';
import type { MirrorEvent } from './revocation/mirror.js';

/** What happens to a token when the revocation mirror has been cut off past `staleAfterMs`. */
export const StalePolicy = z.enum(['fail-closed', 'fail-open', 'fail-closed-for-admin']);
export type StalePolicy = z.infer<typeof StalePolicy>;

export interface IpChange {
  tokenId: string;
  userId: string;
  previousIp: string;
  clientIp: string;
}

export type VerifierEvent =
  | { type: 'keys_loaded'; kids: string[]; skipped: Array<{ kid: string | undefined; why: string }> }
  | { type: 'keys_load_failed'; error: string }
  | { type: 'key_rotation_announced'; kid: string }
  | { type: 'invalid_key_event' }
  | MirrorEvent;

export interface VerifierOptions {
  /** token-api's JWKS, e.g. http://127.0.0.1:9101/.well-known/jwks.json. One of jwksUrl / keys. */
  jwksUrl?: string | URL;
  /** A fixed key set instead of a URL (public JWKs). */
  keys?: JsonWebKeySet;
  issuer: string;
  audience: string | readonly string[];
  /** Signature algorithms accepted; default ['ES256']. `none` and HS* can never be added. */
  algorithms?: readonly JwtAlg[];
  clockToleranceSeconds?: number;
  /**
   * Revocation from NATS: the verifier mirrors `bucket` over `connection` (yours: the verifier
   * opens none) and, with `keyRotatedSubject`, refreshes its keys on SigningKeyRotated.
   */
  nats?: {
    connection: NatsConnection | Promise<NatsConnection>;
    bucket?: string;
    keyRotatedSubject?: string;
  };
  /** An existing revocation view (a mirror shared with other code); not closed by the verifier. */
  revocations?: RevocationView;
  revocation?: {
    /** How long a cut-off mirror keeps answering from its last state (default 10 s). */
    staleAfterMs?: number;
    /** After that: default 'fail-closed-for-admin' (admin-scoped tokens refused, others allowed). */
    whenStale?: StalePolicy;
  };
  policies?: {
    /** User-Agent binding through the `fpr` claim (default true). */
    deviceBinding?: boolean;
    /** Called when a token shows up from another IP than last time (allowed, but worth a log line). */
    onIpChange?: (change: IpChange) => void;
    /** Geo restriction through the `ctry` claim (default on, no admin bypass). */
    geo?: { enabled?: boolean; adminBypass?: boolean };
    /** Accepted calls per token in a rolling window (default: no limit). */
    rateLimit?: { limit: number; windowMs?: number };
  };
  jwks?: { fetchTimeoutMs?: number; unknownKidCooldownMs?: number; refreshIntervalMs?: number };
  cache?: { maxEntries?: number };
  onEvent?: (event: VerifierEvent) => void;
  now?: () => number;
  fetch?: typeof fetch;
}

/** Per call: what the route requires and what the request looked like. */
export interface VerifyContext {
  /** Every one of these scopes is required. */
  scopes?: readonly Scope[];
  /** At least one of these scopes is required. */
  anyScope?: readonly Scope[];
  /** The request's User-Agent; absent counts as empty (what token-api fingerprints for no header). */
  userAgent?: string;
  clientIp?: string;
  /** ISO 3166-1 alpha-2 from the edge's trusted header; absent fails a geo-restricted token. */
  country?: string;
}

const positiveMs = z.int().positive().max(2_147_483_647);

const CheckedOptions = z.object({
  jwksUrl: z.union([z.url({ protocol: /^https?$/ }), z.instanceof(URL)]).optional(),
  keys: z.object({ keys: z.array(z.unknown()) }).optional(),
  issuer: z.string().min(1),
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  algorithms: z.array(JwtAlg).min(1).optional(),
  clockToleranceSeconds: z.int().min(0).max(300).optional(),
  nats: z.object({ connection: z.custom<object>((v) => typeof v === 'object' && v !== null), bucket: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(), keyRotatedSubject: z.string().min(1).optional() }).optional(),
  revocation: z.object({ staleAfterMs: z.int().min(0).optional(), whenStale: StalePolicy.optional() }).optional(),
  policies: z
    .object({
      deviceBinding: z.boolean().optional(),
      onIpChange: z.custom<(change: IpChange) => void>((v) => typeof v === 'function').optional(),
      geo: z.object({ enabled: z.boolean().optional(), adminBypass: z.boolean().optional() }).optional(),
      rateLimit: z.object({ limit: z.int().min(1).max(100_000), windowMs: positiveMs.optional() }).optional(),
    })
    .optional(),
  jwks: z.object({ fetchTimeoutMs: positiveMs.optional(), unknownKidCooldownMs: z.int().min(0).optional(), refreshIntervalMs: z.int().min(0).optional() }).optional(),
  cache: z.object({ maxEntries: z.int().min(0).max(10_000_000).optional() }).optional(),
});

/** Throws TypeError("verifier option <path>: <problem>") on the first bad option. */
export function checkOptions(options: VerifierOptions): void {
  const result = CheckedOptions.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TypeError(`verifier option ${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  }
  if ((options.jwksUrl === undefined) === (options.keys === undefined)) throw new TypeError('verifier option jwksUrl/keys: give exactly one');
  if (options.nats?.bucket !== undefined && options.revocations) throw new TypeError('verifier option nats.bucket/revocations: give at most one source of revocations');
  if (options.nats && options.nats.bucket === undefined && options.nats.keyRotatedSubject === undefined) {
    throw new TypeError('verifier option nats: give bucket, keyRotatedSubject or both');
  }
}
