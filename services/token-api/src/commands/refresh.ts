import type { TokenPairResponse } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { idsAt, lifetimes, type TokenApiDeps } from '../deps.js';
import { REVOCATION_REASON, type ClientContext } from '../domain/model.js';
import { decideRefresh } from '../domain/refresh.js';
import { appendEvents, type OutboxEntry } from '../outbox/append.js';
import { findTokenByHash, liveFamilyMembers, lockOwnerOfRefreshToken, revokeTokens, toTokenState } from '../repo/tokens.js';
import { toUserState } from '../repo/users.js';
import { sha256Hex } from '../secrets/tokens.js';
import { storePair } from './issue-pair.js';

/** One answer for unknown, expired, revoked, stolen and foreign-device tokens alike. */
const invalidRefreshToken = () => new AppError(401, 'invalid_token', 'Invalid refresh token');

type Result =
  | { kind: 'rotated'; response: TokenPairResponse; entries: OutboxEntry[] }
  | { kind: 'reuse_detected'; userId: string; familyId: string; revoked: number; entries: OutboxEntry[] }
  | { kind: 'rejected'; reason: string; userId?: string };

/**
 * POST /api/v1/auth/refresh: five round trips (BEGIN, lock the owner, read the token, one write
 * statement, COMMIT). The owner's row lock serialises every refresh of the user, so of
 * concurrent uses of one token exactly one rotates it first and the others see it rotated (a
 * same-device retry within the grace period, or theft).
 */
export async function refresh(deps: TokenApiDeps, refreshToken: string, client: ClientContext): Promise<TokenPairResponse> {
  const { db, config, metrics, logger } = deps;
  const tokenHash = sha256Hex(refreshToken);
  const result = await db.transaction().execute(async (trx): Promise<Result> => {
    const userRow = await lockOwnerOfRefreshToken(trx, tokenHash);
    const row = userRow && (await findTokenByHash(trx, tokenHash));
    if (!userRow || !row) return { kind: 'rejected', reason: 'unknown' };
    const now = deps.clock();
    const presented = toTokenState(row);
    const liveFamily = presented.status === 'ACTIVE' ? [] : (await liveFamilyMembers(trx, presented.familyId)).map(toTokenState);
    const outcome = decideRefresh(
      { client, lifetimes: lifetimes(config), graceMs: config.REFRESH_GRACE_SECONDS * 1000, now, nextId: idsAt(now) },
      { presented, user: toUserState(userRow), liveFamily },
    );
    switch (outcome.kind) {
      case 'rotated': {
        const stored = await storePair(deps, trx, outcome.pair, {
          events: outcome.events,
          now,
          rotated: { ...outcome.rotated, reason: REVOCATION_REASON.rotated },
          superseded: { ids: outcome.superseded.map((t) => t.id), reason: REVOCATION_REASON.superseded },
        });
        return { kind: 'rotated', ...stored };
      }
      case 'reuse_detected': {
        await revokeTokens(trx, outcome.revoked.map((t) => t.id), REVOCATION_REASON.reuseDetected, new Date(now));
        const entries = await appendEvents(trx, deps.topology, outcome.events);
        return { kind: 'reuse_detected', userId: presented.userId, familyId: presented.familyId, revoked: outcome.revoked.length, entries };
      }
      case 'rejected':
        return { kind: 'rejected', reason: outcome.reason, userId: userRow.id };
      default: {
        const unreachable: never = outcome;
        throw new TypeError(`unhandled outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });

  switch (result.kind) {
    case 'rotated':
      deps.afterCommit(result.entries);
      metrics.refresh.inc({ outcome: 'rotated' });
      return result.response;
    case 'reuse_detected':
      deps.afterCommit(result.entries);
      metrics.refresh.inc({ outcome: 'reuse_detected' });
      metrics.reuseDetected.inc();
      logSecurityEvent(logger, 'token_reuse_detected', { user_id: result.userId, family_id: result.familyId, revoked_count: result.revoked, client_ip: client.ip });
      throw invalidRefreshToken();
    case 'rejected':
      metrics.refresh.inc({ outcome: result.reason });
      if (result.reason === 'device_mismatch') logSecurityEvent(logger, 'device_mismatch', { user_id: result.userId, client_ip: client.ip });
      throw invalidRefreshToken();
    default: {
      const unreachable: never = result;
      throw new TypeError(`unhandled result ${JSON.stringify(unreachable)}`);
    }
  }
}
