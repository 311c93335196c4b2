// Token lifecycle metrics (deploy/metrics.json): issued and revoked counts come from the events
// each commit produces (one place sees every command), the active gauge from an index-only count
// taken when Prometheus scrapes, at most once per `gaugeMaxAgeMs`.
import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { TokenApiDatabase } from '../db/schema.js';
import { REVOCATION_REASON } from '../domain/model.js';
import type { OutboxEntry } from '../outbox/append.js';

export interface TokenMetrics {
  created: Counter<'type'>;
  revoked: Counter<'reason'>;
  rateLimitHit: Counter;
  /** Counts what a commit's events did. */
  observeCommitted(entries: readonly OutboxEntry[]): void;
}

/** Reasons are free text (a user may give one): labels come from a fixed set. */
const KNOWN_REASONS: Record<string, string> = {
  [REVOCATION_REASON.logout]: 'logout',
  [REVOCATION_REASON.superseded]: 'superseded',
  [REVOCATION_REASON.reuseDetected]: 'reuse_detected',
  [REVOCATION_REASON.passwordChanged]: 'password_changed',
};

export function revocationLabel(reason: string, actorKind: string): string {
  return KNOWN_REASONS[reason] ?? (actorKind === 'system' ? 'system' : `${actorKind === 'admin' || actorKind === 'service' ? actorKind : 'user'}_request`);
}

export function createTokenMetrics(registry: Registry, db: Kysely<TokenApiDatabase>, gaugeMaxAgeMs = 15_000): TokenMetrics {
  const created = new Counter({ name: 'auth_tokens_created_total', help: 'Tokens issued, by type (ACCESS, REFRESH)', labelNames: ['type'], registers: [registry] });
  const revoked = new Counter({ name: 'auth_tokens_revoked_total', help: 'Tokens revoked, by reason', labelNames: ['reason'], registers: [registry] });
  const rateLimitHit = new Counter({ name: 'auth_rate_limit_hit_total', help: 'Requests refused by the per-token rate limit (429)', registers: [registry] });
  for (const type of ['ACCESS', 'REFRESH']) created.inc({ type }, 0);

  let measuredAt = 0;
  let counts = new Map<string, number>();
  new Gauge({
    name: 'auth_tokens_active_gauge',
    help: 'Tokens ACTIVE and not expired in auth_tokens, by type (measured when scraped)',
    labelNames: ['type'],
    registers: [registry],
    async collect() {
      if (Date.now() - measuredAt >= gaugeMaxAgeMs) {
        const { rows } = await sql<{ token_type: string; n: string }>`
          select token_type, count(*) as n from auth_tokens where status = 'ACTIVE' and expires_at > now() group by token_type`.execute(db);
        counts = new Map(rows.map((r) => [r.token_type, Number(r.n)]));
        measuredAt = Date.now();
      }
      for (const type of ['ACCESS', 'REFRESH']) this.set({ type }, counts.get(type) ?? 0);
    },
  });

  return {
    created,
    revoked,
    rateLimitHit,
    observeCommitted(entries) {
      for (const { payload } of entries) {
        const event = payload as { type: string; actor?: { kind: string }; data: Record<string, unknown> };
        switch (event.type) {
          case 'TokenIssued':
            created.inc({ type: String(event.data.tokenType) });
            break;
          case 'TokenRevoked':
            revoked.inc({ reason: revocationLabel(String(event.data.reason), event.actor?.kind ?? 'user') });
            break;
          case 'LogoutAll':
            revoked.inc({ reason: 'logout_all' }, Number(event.data.revokedCount) || 0);
            break;
          default:
            break;
        }
      }
    },
  };
}
