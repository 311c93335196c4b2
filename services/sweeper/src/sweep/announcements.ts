import { createTokenEvent, type Actor, type TokenEventOf } from '@tessera/contracts';
import type { Topology } from '@tessera/platform';
import type { ScheduledToken } from '../schedule/tables.js';
import { deterministicUuidV7 } from './event-id.js';
import type { Outgoing } from './publisher.js';

export const SWEEPER_ACTOR: Actor = { kind: 'system', id: 'sweeper' };

/** An event ready to publish, with the `Nats-Msg-Id` the stream dedupes it on. */
export interface Announcement<T extends 'TokenExpired' | 'TokenExpiring'> extends Outgoing {
  event: TokenEventOf<T>;
}

export type DueToken = Pick<ScheduledToken, 'token_id' | 'user_id' | 'family_id' | 'token_type' | 'expires_at'>;
export type WarnableToken = DueToken & { warn_at: Date };

/**
 * TokenExpired for a due row. Everything in it derives from the row: `occurredAt` is the expiry
 * instant itself (when the token stopped being valid, not when the sweep noticed), and the id is
 * deterministic, so a second emission is byte-for-byte the first.
 */
export function tokenExpired(row: DueToken, topology: Topology): Announcement<'TokenExpired'> {
  const expiresAt = row.expires_at.toISOString();
  return {
    subject: topology.tokenEventSubject('TokenExpired', row.user_id),
    msgId: `expired:${row.token_id}`,
    event: createTokenEvent('TokenExpired', {
      id: deterministicUuidV7(row.expires_at.getTime(), `expired:${row.token_id}`),
      occurredAt: expiresAt,
      userId: row.user_id,
      actor: SWEEPER_ACTOR,
      data: { tokenId: row.token_id, tokenType: row.token_type, expiresAt },
    }),
  };
}

/** TokenExpiring, occurring at the row's warning instant. */
export function tokenExpiring(row: WarnableToken, topology: Topology): Announcement<'TokenExpiring'> {
  return {
    subject: topology.tokenEventSubject('TokenExpiring', row.user_id),
    msgId: `expiring:${row.token_id}`,
    event: createTokenEvent('TokenExpiring', {
      id: deterministicUuidV7(row.warn_at.getTime(), `expiring:${row.token_id}`),
      occurredAt: row.warn_at.toISOString(),
      userId: row.user_id,
      actor: SWEEPER_ACTOR,
      data: { tokenId: row.token_id, tokenType: row.token_type, familyId: row.family_id, expiresAt: row.expires_at.toISOString() },
    }),
  };
}
