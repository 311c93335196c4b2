// The in-memory copy of the REVOCATIONS bucket (DESIGN §4): three Maps, one per key kind, so
// each check on the hot path is one Map lookup. It knows nothing of NATS; the mirror feeds it.
import {
  RevokedSessionEntry,
  RevokedTokenEntry,
  UserCutoffEntry,
  parseRevocationKey,
  type RevocationKeyKind,
} from '@tessera/contracts';

export interface Stored<T> {
  value: T;
  /** KV revision (stream sequence), for compare-and-delete by the bucket owner. */
  revision: number;
  /** When the server drops the entry: its write time plus the key's TTL or the bucket's max_age. */
  expiresAt: number;
}

/** What the verifier asks of revocation state; the mirror and a bare index both answer it. */
export interface RevocationView {
  revokedToken(tokenId: string): RevokedTokenEntry | undefined;
  revokedSession(sessionId: string): RevokedSessionEntry | undefined;
  /** Tokens of the user issued strictly before this instant (ms) are revoked. */
  userNotBefore(userId: string): number | undefined;
  /** `staleForMs` is 0 while current, Infinity before the first complete load. */
  freshness(): { current: boolean; staleForMs: number };
}

export interface EntryMeta {
  revision: number;
  writtenAt: number;
  /** Per-key TTL when the server supports it (nats-server ≥ 2.11), else the bucket max_age. */
  ttlMs: number;
}

export type ApplyOutcome = 'applied' | 'removed' | 'ignored_key' | 'invalid_value';

const ALWAYS_CURRENT = Object.freeze({ current: true, staleForMs: 0 });

/** Values are advisory for `jti`/`sid`: the key's presence is the revocation. */
const UNREADABLE_REASON = 'unreadable revocation entry';

export class RevocationIndex implements RevocationView {
  readonly tokens = new Map<string, Stored<RevokedTokenEntry>>();
  readonly sessions = new Map<string, Stored<RevokedSessionEntry>>();
  readonly users = new Map<string, Stored<UserCutoffEntry>>();

  /** Applies one KV change. `value` is null for a delete or purge. */
  apply(key: string, value: unknown, meta: EntryMeta): ApplyOutcome {
    const parsed = parseRevocationKey(key);
    if (!parsed) return 'ignored_key';
    const map = this.mapFor(parsed.kind);
    if (value === null) {
      map.delete(parsed.id);
      return 'removed';
    }
    const stored = { revision: meta.revision, expiresAt: meta.writtenAt + meta.ttlMs };
    switch (parsed.kind) {
      case 'token': {
        const entry = RevokedTokenEntry.safeParse(value);
        // An entry we cannot read still revokes: failing open on a writer's newer format would
        // let a revoked token through.
        this.tokens.set(parsed.id, { ...stored, value: entry.success ? entry.data : { exp: 0, reason: UNREADABLE_REASON, revokedAt: meta.writtenAt } });
        return entry.success ? 'applied' : 'invalid_value';
      }
      case 'session': {
        const entry = RevokedSessionEntry.safeParse(value);
        this.sessions.set(parsed.id, { ...stored, value: entry.success ? entry.data : { reason: UNREADABLE_REASON, revokedAt: meta.writtenAt } });
        return entry.success ? 'applied' : 'invalid_value';
      }
      case 'user': {
        const entry = UserCutoffEntry.safeParse(value);
        // Without an instant there is nothing to compare with; keep any previous cutoff.
        if (!entry.success) return 'invalid_value';
        this.users.set(parsed.id, { ...stored, value: entry.data });
        return 'applied';
      }
      default:
        return assertNever(parsed.kind);
    }
  }

  revokedToken(tokenId: string): RevokedTokenEntry | undefined {
    return this.tokens.get(tokenId)?.value;
  }

  revokedSession(sessionId: string): RevokedSessionEntry | undefined {
    return this.sessions.get(sessionId)?.value;
  }

  userNotBefore(userId: string): number | undefined {
    return this.users.get(userId)?.value.notBefore;
  }

  /** A bare index is as current as whoever fills it. */
  freshness(): { current: boolean; staleForMs: number } {
    return ALWAYS_CURRENT;
  }

  size(): { tokens: number; sessions: number; users: number } {
    return { tokens: this.tokens.size, sessions: this.sessions.size, users: this.users.size };
  }

  /** Drops entries the server has dropped too (max_age/TTL expiry sends no watch event). */
  prune(now: number): number {
    let removed = 0;
    for (const map of [this.tokens, this.sessions, this.users] as Array<Map<string, Stored<unknown>>>) {
      for (const [id, stored] of map) {
        if (stored.expiresAt <= now) {
          map.delete(id);
          removed++;
        }
      }
    }
    return removed;
  }

  clear(): void {
    this.tokens.clear();
    this.sessions.clear();
    this.users.clear();
  }

  private mapFor(kind: RevocationKeyKind): Map<string, Stored<unknown>> {
    switch (kind) {
      case 'token':
        return this.tokens;
      case 'session':
        return this.sessions;
      case 'user':
        return this.users;
      default:
        return assertNever(kind);
    }
  }
}

function assertNever(value: never): never {
  throw new TypeError(`unexpected revocation key kind ${String(value)}`);
}
