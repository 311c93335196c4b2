// createVerifier: the in-process validator of DESIGN §4. First sight of a token costs one jose
// verification; after that the token's checked facts come from a cache keyed by its SHA-256,
// and every call still runs the revocation checks (three Map lookups) and the §6 policies.
import type { JwtAlg, Scope } from '@tessera/contracts';
import { VerifiedTokenCache, tokenDigest, type CachedToken } from './cache.js';
import type { AccessTokenClaims, TokenFacts } from './claims.js';
import { FingerprintMatcher } from './fingerprint.js';
import { subscribeKeyRotations } from './keys/rotation.js';
import { KeyStore } from './keys/key-store.js';
import { checkOptions, type StalePolicy, type VerifierOptions, type VerifyContext } from './options.js';
import { RollingWindow } from './policies/rate-limit.js';
import type { VerifyFailureReason } from './reasons.js';
import type { RevocationView } from './revocation/index-state.js';
import { RevocationMirror, type MirrorStatus } from './revocation/mirror.js';
import { MAX_TOKEN_LENGTH, verifySignatureAndClaims, type SignatureCheckOptions } from './verify-signature.js';

export type VerifyResult =
  | { ok: true; claims: Readonly<AccessTokenClaims>; scopes: readonly Scope[] }
  | {
      ok: false;
      reason: VerifyFailureReason;
      /** For `rate_limited` (and the verifier-state reasons): when trying again can succeed. */
      retryAfterSeconds?: number;
      /**
       * The claims, only when the signature verified (so they are the issuer's): lets a caller
       * log whose token was refused. Absent for unreadable or forged tokens.
       */
      claims?: Readonly<Record<string, unknown>>;
    };

export interface VerifierStatus {
  keys: { loaded: boolean; kids: string[]; fetchedAt: number | null };
  revocation: (Partial<MirrorStatus> & { current: boolean; staleForMs: number; source: 'mirror' | 'external' | 'none' });
  cache: { entries: number };
}

export interface Verifier {
  verify(token: string, context?: VerifyContext): Promise<VerifyResult>;
  /** Waits for the keys and the first revocation snapshot; rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** Whether the revocation state is current (true when there is no revocation source). */
  isCurrent(): boolean;
  status(): VerifierStatus;
  /** Fetches the key set now (e.g. after an operator rotated keys by hand). */
  refreshKeys(): Promise<void>;
  /** Stops timers, the watch and the rotation subscription. The NATS connection stays open. */
  close(): Promise<void>;
}

const NO_CONTEXT: VerifyContext = Object.freeze({});
const MALFORMED: VerifyResult = Object.freeze({ ok: false as const, reason: 'malformed' as const });

const DEFAULTS = {
  algorithms: ['ES256'] as JwtAlg[],
  staleAfterMs: 10_000,
  whenStale: 'fail-closed-for-admin' as StalePolicy,
  rateWindowMs: 60_000,
  fetchTimeoutMs: 5_000,
  unknownKidCooldownMs: 10_000,
  refreshIntervalMs: 10 * 60_000,
  cacheEntries: 100_000,
  cacheSweepMs: 60_000,
};

export function createVerifier(options: VerifierOptions): Verifier {
  checkOptions(options);
  const clock = options.now ?? Date.now;
  const now = clock;
  const emit = options.onEvent ?? (() => undefined);
  const algorithms = [...(options.algorithms ?? DEFAULTS.algorithms)];

  const keys = new KeyStore({
    source: options.jwksUrl !== undefined ? { jwksUrl: options.jwksUrl } : { keys: options.keys! },
    algorithms,
    fetchTimeoutMs: options.jwks?.fetchTimeoutMs ?? DEFAULTS.fetchTimeoutMs,
    unknownKidCooldownMs: options.jwks?.unknownKidCooldownMs ?? DEFAULTS.unknownKidCooldownMs,
    refreshIntervalMs: options.jwks?.refreshIntervalMs ?? DEFAULTS.refreshIntervalMs,
    fetch: options.fetch ?? fetch,
    now,
    onEvent: (event) => emit(event.type === 'loaded' ? { type: 'keys_loaded', kids: event.kids, skipped: event.skipped } : { type: 'keys_load_failed', error: event.error }),
  });
  keys.start();

  const ownMirror = options.nats?.bucket !== undefined ? new RevocationMirror({ connection: options.nats.connection, bucket: options.nats.bucket, now, onEvent: emit }).start() : null;
  const revocations: RevocationView | null = ownMirror ?? options.revocations ?? null;
  const rotations = options.nats?.keyRotatedSubject !== undefined ? subscribeKeyRotations(options.nats.connection, options.nats.keyRotatedSubject, keys, emit) : null;

  const signatureOptions: SignatureCheckOptions = {
    keys,
    algorithms,
    issuer: options.issuer,
    audiences: new Set(typeof options.audience === 'string' ? [options.audience] : options.audience),
    clockToleranceSeconds: options.clockToleranceSeconds ?? 0,
    now,
  };
  const cache = new VerifiedTokenCache(options.cache?.maxEntries ?? DEFAULTS.cacheEntries, now);
  cache.startSweeping(DEFAULTS.cacheSweepMs);

  const checks = new TokenChecks(options, revocations);

  /** The hot path is synchronous: a cache hit resolves without an async function frame. */
  function verify(token: string, context: VerifyContext = NO_CONTEXT): Promise<VerifyResult> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return Promise.resolve(MALFORMED);
    const digest = tokenDigest(token);
    const entry = cache.get(digest);
    if (entry === undefined) return firstSight(token, digest, context);
    // A key withdrawn from the JWKS takes its tokens with it: re-verify (and fail) them.
    if (!keys.has(entry.kid)) {
      cache.delete(digest);
      return firstSight(token, digest, context);
    }
    const now = clock();
    if (checks.expired(entry.facts, now)) {
      cache.delete(digest);
      return Promise.resolve({ ok: false, reason: 'expired', claims: entry.facts.claims });
    }
    return Promise.resolve(checks.run(entry, context, now));
  }

  /** Signature and claims by jose (which also refuses anything that is not a compact JWS). */
  function firstSight(token: string, digest: string, context: VerifyContext): Promise<VerifyResult> {
    return verifySignatureAndClaims(token, signatureOptions).then((checked): VerifyResult => {
      if (!checked.ok) return checked.claims ? { ok: false, reason: checked.reason, claims: checked.claims } : { ok: false, reason: checked.reason };
      const entry: CachedToken = {
        facts: checked.facts,
        kid: checked.kid,
        lastIp: undefined,
        window: undefined,
        accepted: Object.freeze({ ok: true as const, claims: checked.facts.claims, scopes: checked.facts.scopes }),
      };
      cache.set(digest, entry);
      return checks.run(entry, context, clock());
    });
  }

  return {
    verify,
    async ready(timeoutMs = 10_000) {
      await Promise.all([keys.ready(timeoutMs), ownMirror?.ready(timeoutMs)]);
    },
    isCurrent: () => revocations?.freshness().current ?? true,
    status() {
      const revocation = ownMirror
        ? { ...ownMirror.status(), source: 'mirror' as const }
        : revocations
          ? { ...revocations.freshness(), source: 'external' as const }
          : { current: true, staleForMs: 0, source: 'none' as const };
      return { keys: keys.status(), revocation, cache: { entries: cache.size } };
    },
    refreshKeys: () => keys.refresh(),
    async close() {
      keys.close();
      cache.stop();
      cache.clear();
      await Promise.all([ownMirror?.close(), rotations?.close()]);
    },
  };
}

/** The checks after the signature, run on every call (DESIGN §4 then §6, in order). */
class TokenChecks {
  private readonly deviceBinding: boolean;
  private readonly geoEnabled: boolean;
  private readonly geoAdminBypass: boolean;
  private readonly rateLimit: { limit: number; windowMs: number } | null;
  private readonly staleAfterMs: number;
  private readonly whenStale: StalePolicy;
  private readonly clockToleranceMs: number;
  private readonly fingerprints = new FingerprintMatcher();

  constructor(
    private readonly options: VerifierOptions,
    private readonly revocations: RevocationView | null,
  ) {
    const policies = options.policies ?? {};
    this.deviceBinding = policies.deviceBinding ?? true;
    this.geoEnabled = policies.geo?.enabled ?? true;
    this.geoAdminBypass = policies.geo?.adminBypass ?? false;
    this.rateLimit = policies.rateLimit ? { limit: policies.rateLimit.limit, windowMs: policies.rateLimit.windowMs ?? DEFAULTS.rateWindowMs } : null;
    this.staleAfterMs = options.revocation?.staleAfterMs ?? DEFAULTS.staleAfterMs;
    this.whenStale = options.revocation?.whenStale ?? DEFAULTS.whenStale;
    this.clockToleranceMs = (options.clockToleranceSeconds ?? 0) * 1000;
  }

  /** Same rule as jose's: expired once `exp` ≤ now − tolerance, at second resolution. */
  expired(facts: TokenFacts, now: number): boolean {
    return facts.claims.exp <= Math.floor((now - this.clockToleranceMs) / 1000);
  }

  run(entry: CachedToken, context: VerifyContext, now: number): VerifyResult {
    const { facts } = entry;
    const revocations = this.revocations;
    if (revocations) {
      if (revocations.revokedToken(facts.tokenId) !== undefined) return refuse(facts, 'revoked');
      if (revocations.revokedSession(facts.sessionId) !== undefined) return refuse(facts, 'session_revoked');
      const notBefore = revocations.userNotBefore(facts.userId);
      // Millisecond resolution from the UUIDv7 jti: a token minted after the cutoff, even within
      // the same second, is not caught by it.
      if (notBefore !== undefined && facts.issuedAtMs < notBefore) return refuse(facts, 'user_revoked');
      const freshness = revocations.freshness();
      if (!freshness.current && freshness.staleForMs > this.staleAfterMs && this.refusesWhenStale(facts)) return refuse(facts, 'revocation_state_stale', 1);
    }

    if (!hasScopes(facts.scopes, context)) return refuse(facts, 'insufficient_scope');

    if (this.deviceBinding && !this.fingerprints.matches(context.userAgent, facts.fingerprint)) return refuse(facts, 'device_mismatch');
    if (context.clientIp !== undefined && context.clientIp !== entry.lastIp) {
      const previousIp = entry.lastIp;
      entry.lastIp = context.clientIp;
      if (previousIp !== undefined) this.options.policies?.onIpChange?.({ tokenId: facts.tokenId, userId: facts.userId, previousIp, clientIp: context.clientIp });
    }

    if (this.geoEnabled && facts.countries !== null && !(this.geoAdminBypass && facts.isAdmin)) {
      if (context.country === undefined || !facts.countries.includes(context.country.toUpperCase())) return refuse(facts, 'geo_blocked');
    }

    if (this.rateLimit) {
      entry.window ??= new RollingWindow(this.rateLimit.limit, this.rateLimit.windowMs);
      const taken = entry.window.take(now);
      if (!taken.allowed) return refuse(facts, 'rate_limited', Math.max(1, Math.ceil(taken.retryAfterMs / 1000)));
    }
    return entry.accepted;
  }

  private refusesWhenStale(facts: TokenFacts): boolean {
    switch (this.whenStale) {
      case 'fail-closed':
        return true;
      case 'fail-open':
        return false;
      case 'fail-closed-for-admin':
        return facts.isAdmin;
      default:
        return assertNever(this.whenStale);
    }
  }
}

function refuse(facts: TokenFacts, reason: VerifyFailureReason, retryAfterSeconds?: number): VerifyResult {
  return retryAfterSeconds === undefined ? { ok: false, reason, claims: facts.claims } : { ok: false, reason, retryAfterSeconds, claims: facts.claims };
}

function hasScopes(granted: readonly Scope[], context: VerifyContext): boolean {
  const { scopes, anyScope } = context;
  if (scopes) for (let i = 0; i < scopes.length; i++) if (!granted.includes(scopes[i]!)) return false;
  if (anyScope && anyScope.length > 0) {
    for (let i = 0; i < anyScope.length; i++) if (granted.includes(anyScope[i]!)) return true;
    return false;
  }
  return true;
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected value ${String(value)}`);
}
