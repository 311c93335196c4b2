// Read models of the token-management endpoints, straight from auth_tokens (token-api owns it).
// Lists are keyset-paginated on (created_at desc, id desc), served by the partial indexes of
// migration 0002; every list fetches one row more than the page to know whether another follows.
import type { ActiveToken, IpToken, TokenDetails, TokenStats, TokenStatus } from '@tessera/contracts';
import { sql, type Kysely } from 'kysely';
import type { AuthTokenRow, TokenApiDatabase } from '../db/schema.js';
import { encodeCursor, type Position } from './cursor.js';
import { deviceOf } from './device.js';

type Db = Kysely<TokenApiDatabase>;

export interface PageRequest {
  limit: number;
  after: Position | null;
}

/** A row still ACTIVE past its expiry is EXPIRED, whether or not the expiry consumer got to it. */
export function effectiveStatus(row: Pick<AuthTokenRow, 'status' | 'expires_at'>, now: number): TokenStatus {
  return row.status === 'ACTIVE' && row.expires_at.getTime() <= now ? 'EXPIRED' : row.status;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The later of the stored last use and one not flushed yet. */
const lastUsed = (row: AuthTokenRow, pending: (id: string) => number | undefined) => {
  const unflushed = pending(row.id);
  const stored = row.last_used_at?.getTime();
  const latest = unflushed === undefined ? stored : stored === undefined ? unflushed : Math.max(stored, unflushed);
  return latest === undefined ? null : new Date(latest).toISOString();
};

function paged<R extends AuthTokenRow, T>(list: string, rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(list, { createdAt: last.created_at.getTime(), id: last.id }) : null };
}

function after<QB extends { where: (...args: any[]) => QB }>(qb: QB, position: Position | null): QB {
  if (!position) return qb;
  return qb.where(sql<boolean>`(created_at, id) < (${new Date(position.createdAt)}::timestamptz, ${position.id}::uuid)`);
}

export async function activeTokens(
  db: Db,
  userId: string,
  page: PageRequest,
  now: number,
  context: { current?: { tokenId: string; familyId: string }; pendingUse: (id: string) => number | undefined },
): Promise<{ items: ActiveToken[]; nextCursor: string | null }> {
  let qb = db
    .selectFrom('auth_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '=', 'ACTIVE')
    .where('expires_at', '>', new Date(now));
  qb = after(qb, page.after);
  const rows = await qb.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  const current = context.current;
  return paged('active', rows, page.limit, (row) => ({
    tokenId: row.id,
    tokenType: row.token_type,
    familyId: row.family_id,
    device: deviceOf(row.user_agent),
    clientIp: row.client_ip,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: lastUsed(row, context.pendingUse),
    expiresAt: row.expires_at.toISOString(),
    ...(current ? { current: row.id === current.tokenId || row.family_id === current.familyId } : {}),
  }));
}

export async function tokensFromIp(db: Db, clientIp: string, page: PageRequest, now: number, pendingUse: (id: string) => number | undefined): Promise<{ items: IpToken[]; nextCursor: string | null }> {
  let qb = db.selectFrom('auth_tokens').selectAll().where(sql<boolean>`client_ip = ${clientIp}::inet`);
  qb = after(qb, page.after);
  const rows = await qb.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  return paged('ip', rows, page.limit, (row) => ({
    tokenId: row.id,
    userId: row.user_id,
    tokenType: row.token_type,
    status: effectiveStatus(row, now),
    familyId: row.family_id,
    device: deviceOf(row.user_agent),
    clientIp: row.client_ip,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: lastUsed(row, pendingUse),
    expiresAt: row.expires_at.toISOString(),
  }));
}

export async function findToken(db: Db, tokenId: string): Promise<AuthTokenRow | undefined> {
  return db.selectFrom('auth_tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
}

export function tokenDetails(row: AuthTokenRow, now: number, pendingUse: (id: string) => number | undefined): TokenDetails {
  return {
    tokenId: row.id,
    userId: row.user_id,
    email: row.email,
    tokenType: row.token_type,
    status: effectiveStatus(row, now),
    familyId: row.family_id,
    parentTokenId: row.parent_token_id,
    successorTokenId: row.successor_token_id,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastUsedAt: lastUsed(row, pendingUse),
    clientIp: row.client_ip,
    userAgent: row.user_agent,
    device: deviceOf(row.user_agent),
    scopes: row.scopes as TokenDetails['scopes'],
    revoked: row.revoked,
    revocationReason: row.revocation_reason,
    revokedAt: iso(row.revoked_at),
    metadata: row.metadata as TokenDetails['metadata'],
  };
}

/**
 * Counts by type, (effective) status and device for one user, or for everyone (`userId` null,
 * admin). Grouped by User-Agent in SQL and parsed once per distinct agent here: the device is
 * derived, not stored.
 */
export async function tokenStats(db: Db, userId: string | null, now: number): Promise<TokenStats> {
  const expired = sql<boolean>`status = 'ACTIVE' and expires_at <= ${new Date(now)}::timestamptz`;
  let qb = db
    .selectFrom('auth_tokens')
    .select(['token_type', 'user_agent', sql<string>`case when ${expired} then 'EXPIRED' else status end`.as('effective_status'), sql<string>`count(*)`.as('n')])
    .groupBy(['token_type', 'user_agent', sql`3`]);
  if (userId !== null) qb = qb.where('user_id', '=', userId);
  const rows = await qb.execute();
  const stats: TokenStats = { total: 0, byType: { ACCESS: 0, REFRESH: 0 }, byStatus: { ACTIVE: 0, EXPIRED: 0, REVOKED: 0 }, byDevice: { desktop: 0, mobile: 0, tablet: 0, bot: 0, other: 0 } };
  for (const row of rows) {
    const n = Number(row.n);
    stats.total += n;
    stats.byType[row.token_type] += n;
    stats.byStatus[row.effective_status as TokenStatus] += n;
    const device = deviceOf(row.user_agent).type;
    stats.byDevice[device] = (stats.byDevice[device] ?? 0) + n;
  }
  return stats;
}
