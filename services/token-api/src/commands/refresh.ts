import type { TokenPairResponse } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { idsAt, lifetimes, type TokenApiDeps } from '../deps.js';
import { REVOCATION_REASON, type ClientContext } from '../domain/model.js';
import { decideRefresh } from '../domain/refresh.js';
import { appendEvents, type OutboxEntry } from '../outbox/append.js';
import { findRefreshTokenOwner, findTokenByHash, liveFamilyMembers, markRotated, revokeTokens, toTokenState } from '../repo/tokens.js';
import { lockUser, toUserState } from '../repo/users.js';
import { sha256Hex } from '../secrets/tokens.js';
import { storePair } from './issue-pair.js';

/** One answer for unknown, expired, revoked, stolen and foreign-device tokens alike. */
const invalidRefreshToken = () => new AppError(401, 'invalid_token', 'Invalid refresh token');

type Result =
  | { kind: 'rotated'; response: TokenPairResponse; entries: OutboxEntry[] }
  | { kind: 'reuse_detected'; familyId: string; revoked: number; entries: OutboxEntry[] }
  | { kind: 'rejected'; reason: string };

/**
 * POST /api/v1/auth/refresh. The owner's row lock serialises every refresh of the user, so of
 * concurrent uses of one token exactly one rotates it first and the others see it rotated (a
 * same-device retry within the grace period, or theft).
 */
export async function refresh(deps: TokenApiDeps, refreshToken: string, client: ClientContext): Promise<TokenPairResponse> {
  const { db, config, metrics, logger } = deps;
  const tokenHash = sha256Hex(refreshToken);
  const owner = await findRefreshTokenOwner(db, tokenHash);
  if (!owner) {
    metrics.refresh.inc({ outcome: 'unknown' });
    throw invalidRefreshToken();
  }

  const result = await db.transaction().execute(async (trx): Promise<Result> => {
    const userRow = await lockUser(trx, owner);
    const row = await findTokenByHash(trx, tokenHash);
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
        await revokeTokens(trx, outcome.superseded.map((t) => t.id), REVOCATION_REASON.superseded, new Date(now));
        await markRotated(trx, outcome.rotated.tokenId, outcome.rotated.successorId, new Date(now), outcome.rotated.firstUse, REVOCATION_REASON.rotated);
        const stored = await storePair(deps, trx, outcome.pair, outcome.events);
        return { kind: 'rotated', ...stored };
      }
      case 'reuse_detected': {
        await revokeTokens(trx, outcome.revoked.map((t) => t.id), REVOCATION_REASON.reuseDetected, new Date(now));
        const entries = await appendEvents(trx, deps.topology, outcome.events);
        return { kind: 'reuse_detected', familyId: presented.familyId, revoked: outcome.revoked.length, entries };
      }
      case 'rejected':
        return { kind: 'rejected', reason: outcome.reason };
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
      logSecurityEvent(logger, 'token_reuse_detected', { user_id: owner, family_id: result.familyId, revoked_count: result.revoked, client_ip: client.ip });
      throw invalidRefreshToken();
    case 'rejected':
      metrics.refresh.inc({ outcome: result.reason });
      if (result.reason === 'device_mismatch') logSecurityEvent(logger, 'device_mismatch', { user_id: owner, client_ip: client.ip });
      throw invalidRefreshToken();
    default: {
      const unreachable: never = result;
      throw new TypeError(`unhandled result ${JSON.stringify(unreachable)}`);
    }
  }
}
