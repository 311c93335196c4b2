// Revocations this replica has just committed, known before the revocation service has seen
// them: the verifier's revocation view is this overlay ∪ the REVOCATIONS mirror. Without it a
// client that revokes a token and uses it again at once could get through on the same replica
// during the few milliseconds the event takes to travel (outbox → JetStream → revocation → KV →
// watch). Other replicas learn of it through the mirror. Entries live only as long as an access
// token they concern can: the mirror holds the durable state.
import type { RevokedSessionEntry, RevokedTokenEntry } from '@tessera/contracts';
import type { RevocationView } from '@tessera/verifier';

interface Held<T> {
  value: T;
  until: number;
}

/** Revocation-relevant events, as committed through the outbox (payload = the event). */
type CommittedEvent =
  | { type: 'TokenRevoked'; userId: string; occurredAt: string; data: { tokenId: string; tokenType: 'ACCESS' | 'REFRESH'; familyId: string; reason: string; expiresAt: string } }
  | { type: 'LogoutAll' | 'PasswordChanged'; userId: string; occurredAt: string; data: { notBefore: number } };

const MAX_ENTRIES = 200_000;

export class OwnRevocations {
  private readonly tokens = new Map<string, Held<RevokedTokenEntry>>();
  private readonly sessions = new Map<string, Held<RevokedSessionEntry>>();
  private readonly users = new Map<string, Held<number>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** How long an access token of a revoked session or user can still be presented (+ skew). */
    private readonly accessLifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes any committed event; ignores those that revoke nothing. */
  record(event: unknown): void {
    const e = event as CommittedEvent;
    const now = this.now();
    switch (e?.type) {
      case 'TokenRevoked': {
        const revokedAt = Date.parse(e.occurredAt);
        const expiresAt = Date.parse(e.data.expiresAt);
        if (expiresAt > now) put(this.tokens, e.data.tokenId, { value: { exp: Math.ceil(expiresAt / 1000), reason: e.data.reason, revokedAt }, until: expiresAt });
        // A refresh token stands for its session (same rule as the revocation service).
        if (e.data.tokenType === 'REFRESH') put(this.sessions, e.data.familyId, { value: { revokedAt, reason: e.data.reason }, until: now + this.accessLifetimeMs });
        return;
      }
      case 'LogoutAll':
      case 'PasswordChanged': {
        const previous = this.users.get(e.userId)?.value ?? 0;
        put(this.users, e.userId, { value: Math.max(previous, e.data.notBefore), until: now + this.accessLifetimeMs });
        return;
      }
      default:
        return;
    }
  }

  revokedToken(tokenId: string): RevokedTokenEntry | undefined {
    return this.tokens.get(tokenId)?.value;
  }

  revokedSession(sessionId: string): RevokedSessionEntry | undefined {
    return this.sessions.get(sessionId)?.value;
  }

  userNotBefore(userId: string): number | undefined {
    return this.users.get(userId)?.value;
  }

  get size(): number {
    return this.tokens.size + this.sessions.size + this.users.size;
  }

  prune(): void {
    const now = this.now();
    for (const map of [this.tokens, this.sessions, this.users] as Array<Map<string, Held<unknown>>>) {
      for (const [key, held] of map) if (held.until <= now) map.delete(key);
    }
  }

  startPruning(intervalMs = 60_000): void {
    this.timer = setInterval(() => this.prune(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Bounded: past the cap the oldest entry goes (the mirror still has it). */
function put<T>(map: Map<string, Held<T>>, key: string, held: Held<T>): void {
  map.delete(key);
  if (map.size >= MAX_ENTRIES) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, held);
}

/** This replica's own revocations first, then the bucket mirror; freshness is the mirror's. */
export function combinedRevocations(own: OwnRevocations, mirror: RevocationView): RevocationView {
  return {
    revokedToken: (id) => own.revokedToken(id) ?? mirror.revokedToken(id),
    revokedSession: (id) => own.revokedSession(id) ?? mirror.revokedSession(id),
    userNotBefore(id) {
      const a = own.userNotBefore(id);
      const b = mirror.userNotBefore(id);
      return a === undefined ? b : b === undefined ? a : Math.max(a, b);
    },
    freshness: () => mirror.freshness(),
  };
}
