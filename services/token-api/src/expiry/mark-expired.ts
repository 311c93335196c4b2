// The write half of the `token-api-expiry` consumer: TokenExpired → auth_tokens.status EXPIRED.
import { sql, type Kysely } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';

/** What a TokenExpired says about one token. */
export interface ExpiredToken {
  tokenId: string;
  /** ISO-8601, as carried by the event. */
  expiresAt: string;
}

/**
 * Marks the tokens EXPIRED in one statement and returns the ids whose row changed. Only an
 * ACTIVE row changes: a revoked token stays REVOKED (its reason — `rotated` included, which
 * reuse detection reads — is kept), an EXPIRED one is left alone, an unknown id (never ours, or
 * already purged by retention) matches nothing. So a redelivered or duplicated event is a no-op.
 *
 * `expires_at <= e.expires_at`: the row must really have reached the expiry the event announces.
 * The sweeper copies `expiresAt` from the TokenIssued that token-api wrote from this very row, so
 * they are equal; an event that claims an earlier expiry than the record never ends a live token.
 * Comparing with the event's instant rather than this replica's clock keeps clock skew between
 * sweeper and token-api from losing an expiry.
 */
export async function markExpired(db: Kysely<TokenApiDatabase>, tokens: readonly ExpiredToken[]): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const ids = tokens.map((t) => t.tokenId);
  const expiries = tokens.map((t) => t.expiresAt);
  const { rows } = await sql<{ id: string }>`
    update auth_tokens as t set status = 'EXPIRED'
    from unnest(${ids}::uuid[], ${expiries}::timestamptz[]) as e(id, expires_at)
    where t.id = e.id and t.status = 'ACTIVE' and t.expires_at <= e.expires_at
    returning t.id`.execute(db);
  return new Set(rows.map((r) => r.id));
}
