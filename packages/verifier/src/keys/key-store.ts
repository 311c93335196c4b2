// The verification keys, fetched from token-api's JWKS (or given once), kept in a Map so the hot
// path looks a key up synchronously. The set is refreshed on a timer, when a token names a `kid`
// we do not hold (at most once per cooldown, so garbage kids cannot make us hammer the JWKS), and
// when SigningKeyRotated announces a key (see subscribeKeyRotations).
import type { JwtAlg } from '@tessera/contracts';
import { importKeySet, type JsonWebKeySet, type VerificationKey } from './jwks.js';

export type KeySource = { jwksUrl: string | URL } | { keys: JsonWebKeySet };

export interface KeyStoreOptions {
  source: KeySource;
  algorithms: readonly JwtAlg[];
  fetchTimeoutMs: number;
  /** Least time between two refreshes caused by unknown kids. */
  unknownKidCooldownMs: number;
  /** Background refresh period, a safety net behind the rotation events. 0 = none. */
  refreshIntervalMs: number;
  fetch: typeof fetch;
  now: () => number;
  onEvent: (event: KeyStoreEvent) => void;
}

export type KeyStoreEvent =
  | { type: 'loaded'; kids: string[]; skipped: Array<{ kid: string | undefined; why: string }> }
  | { type: 'load_failed'; error: string };

/** What a lookup of an unknown kid ends in. */
export type KeyLookup = { key: VerificationKey } | { missing: 'unknown_kid' | 'keys_unavailable' };

const MAX_JWKS_BYTES = 256 * 1024;
/** Forced refreshes (rotation events) are still spaced by this much. */
const FORCED_REFRESH_SPACING_MS = 1_000;

export class KeyStore {
  private keys = new Map<string, VerificationKey>();
  private loadedOnce = false;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private initialRetry: NodeJS.Timeout | null = null;
  private closed = false;
  private fetchedAt: number | null = null;

  constructor(private readonly options: KeyStoreOptions) {}

  /** Loads the keys in the background; `ready()` resolves after the first successful load. */
  start(): void {
    void this.refresh().then(() => this.retryUntilLoaded(FORCED_REFRESH_SPACING_MS));
    const { refreshIntervalMs } = this.options;
    if ('jwksUrl' in this.options.source && refreshIntervalMs > 0) {
      this.timer = setInterval(() => void this.refresh(), refreshIntervalMs);
      this.timer.unref();
    }
  }

  /** Resolves once keys are loaded; rejects after `timeoutMs` without a successful load. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = this.options.now() + timeoutMs;
    while (!this.loadedOnce) {
      if (this.closed) throw new Error('key store closed');
      if (this.options.now() >= deadline) throw new Error('verification keys could not be loaded');
      await this.refresh();
      if (!this.loadedOnce) await sleep(Math.min(250, Math.max(0, deadline - this.options.now())), false);
    }
  }

  /**
   * Services often start before the issuer (token-api) answers: until the first load succeeds,
   * try again in the background with a doubling delay (at most 30 s), so a verifier without
   * traffic does not wait for the periodic refresh to become able to verify.
   */
  private retryUntilLoaded(delayMs: number): void {
    if (this.loadedOnce || this.closed) return;
    const retry = setTimeout(() => void this.refresh().then(() => this.retryUntilLoaded(Math.min(delayMs * 2, 30_000))), delayMs);
    retry.unref();
    this.initialRetry = retry;
  }

  /** The hot path: a synchronous Map lookup. */
  get(kid: string): VerificationKey | undefined {
    return this.keys.get(kid);
  }

  has(kid: string): boolean {
    return this.keys.has(kid);
  }

  /** For a kid not in the Map: refresh (within the cooldown) and look again. */
  async lookupUnknown(kid: string): Promise<KeyLookup> {
    // A load under way (the first one, typically) may bring the key: wait for it.
    if (this.inflight) await this.inflight;
    // Before the first success, retry sooner, but still spaced: a JWKS outage must not turn
    // every request into a fetch.
    const cooldown = this.loadedOnce ? this.options.unknownKidCooldownMs : Math.min(this.options.unknownKidCooldownMs, FORCED_REFRESH_SPACING_MS);
    if (!this.keys.has(kid) && this.options.now() - this.lastAttemptAt >= cooldown) await this.refresh();
    const key = this.keys.get(kid);
    if (key) return { key };
    return { missing: this.loadedOnce ? 'unknown_kid' : 'keys_unavailable' };
  }

  /** A key was announced: fetch unless we hold it, even inside the unknown-kid cooldown. */
  async keyAnnounced(kid: string): Promise<void> {
    if (this.keys.has(kid)) return;
    if (this.inflight) await this.inflight;
    if (this.keys.has(kid)) return;
    const wait = this.lastAttemptAt + FORCED_REFRESH_SPACING_MS - this.options.now();
    if (wait > 0) await sleep(wait);
    await this.refresh();
  }

  /** One load at a time; concurrent callers share it. Never throws (failures are events). */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.inflight) {
      this.lastAttemptAt = this.options.now();
      this.inflight = this.load().finally(() => {
        this.inflight = null;
      });
    }
    return this.inflight;
  }

  status(): { loaded: boolean; kids: string[]; fetchedAt: number | null } {
    return { loaded: this.loadedOnce, kids: [...this.keys.keys()], fetchedAt: this.fetchedAt };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.initialRetry) clearTimeout(this.initialRetry);
  }

  private async load(): Promise<void> {
    try {
      const document = 'keys' in this.options.source ? this.options.source.keys : await this.download(this.options.source.jwksUrl);
      const { keys, skipped } = await importKeySet(document, this.options.algorithms);
      this.keys = keys;
      this.loadedOnce = true;
      this.fetchedAt = this.options.now();
      this.options.onEvent({ type: 'loaded', kids: [...keys.keys()], skipped });
    } catch (error) {
      this.options.onEvent({ type: 'load_failed', error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async download(url: string | URL): Promise<unknown> {
    const response = await this.options.fetch(url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      signal: AbortSignal.timeout(this.options.fetchTimeoutMs),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`JWKS answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS document too large');
    return JSON.parse(text) as unknown;
  }
}

function sleep(ms: number, unref = true): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
