import type { KeyObject } from 'node:crypto';
import type { JwtAlg } from '@tessera/contracts';
import type { JWK } from 'jose';
import type { SigningKey } from './key-material.js';

/** A key known to the store: it verifies, and (if `privateKey`) signs once activated. */
export interface KnownKey {
  key: Omit<SigningKey, 'privateKey'> & { privateKey: KeyObject | null };
  activatesAt: number;
  /** When its successor took over; null while it is the newest. */
  retiredAt: number | null;
}

/** Where keys come from: the database (generated, sealed, rotatable) or files (operator-managed). */
export interface KeySource {
  readonly rotatable: boolean;
  load(now: number): Promise<KnownKey[]>;
}

/**
 * The keys this replica signs and verifies with. `current()` is re-evaluated at each call, so a
 * key announced with an activation delay starts signing at its instant on every replica without
 * another reload; reloads (periodic, and on SigningKeyRotated) pick up keys made elsewhere.
 */
export class KeyStore {
  private keys: KnownKey[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: KeySource,
    /** How long a retired key stays published: the longest access-token lifetime plus leeway. */
    private readonly retentionMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get rotatable(): boolean {
    return this.source.rotatable;
  }

  async reload(): Promise<void> {
    const keys = await this.source.load(this.clock());
    if (!keys.some((k) => k.key.privateKey !== null)) throw new Error('no signing key available');
    this.keys = [...keys].sort((a, b) => b.activatesAt - a.activatesAt);
  }

  /** Re-reads the keys every `intervalMs`; errors keep the last good set. */
  startReloading(intervalMs: number, onError: (error: unknown) => void): void {
    this.timer = setInterval(() => void this.reload().catch(onError), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The newest activated key that can sign. */
  current(): SigningKey {
    const now = this.clock();
    const found = this.keys.find((k) => k.activatesAt <= now && k.key.privateKey !== null);
    if (!found) throw new Error('no activated signing key');
    return found.key as SigningKey;
  }

  /** The public key for a token's `kid`, if that key is still accepted, and only for its own alg. */
  verificationKey(kid: string | undefined, alg: string | undefined): KeyObject | undefined {
    const known = this.published().find((k) => k.key.kid === kid);
    return known && known.key.alg === (alg as JwtAlg) ? known.key.publicKey : undefined;
  }

  /** `GET /.well-known/jwks.json`: upcoming, current and still-relevant previous keys. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published().map((k) => k.key.publicJwk) };
  }

  private published(): KnownKey[] {
    const now = this.clock();
    return this.keys.filter((k) => k.retiredAt === null || k.retiredAt > now - this.retentionMs);
  }
}
