// Tokens whose signature and claims have been checked, by SHA-256 of the token, until they
// expire. A hit skips the signature (the expensive part); the revocation and policy checks still
// run on every call. Only the digest is kept as key, never the token itself.
import { hash } from 'node:crypto';
import type { TokenFacts } from './claims.js';
import type { RollingWindow } from './policies/rate-limit.js';

export interface CachedToken {
  facts: TokenFacts;
  kid: string;
  /** Per-token policy state lives with the token, so it is bounded and dropped with it. */
  lastIp: string | undefined;
  window: RollingWindow | undefined;
  /** The success result, built once: every accepted call returns this same frozen object. */
  accepted: Readonly<{ ok: true; claims: TokenFacts['claims']; scopes: TokenFacts['scopes'] }>;
}

/** Digest of a token as its cache key: SHA-256 as a 32-character binary string (cheaper to make than base64). */
export function tokenDigest(token: string): string {
  return hash('sha256', token, 'binary');
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, CachedToken>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(digest: string): CachedToken | undefined {
    return this.entries.get(digest);
  }

  set(digest: string, entry: CachedToken): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      // Map iteration is insertion order: the first key is the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(digest, entry);
  }

  delete(digest: string): void {
    this.entries.delete(digest);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries now and then, so tokens never seen again do not wait for eviction. */
  startSweeping(intervalMs: number): void {
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  sweep(): number {
    const now = this.now();
    let removed = 0;
    for (const [digest, entry] of this.entries) {
      if (entry.facts.expiresAtMs <= now) {
        this.entries.delete(digest);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
