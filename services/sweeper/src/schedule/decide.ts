import type { TokenEvent, TokenEventOf } from '@tessera/contracts';

/**
 * The events the `sweeper` consumer acts on: CONSUMERS.sweeper.events of the contracts (a unit
 * test holds the two equal). Every other type is acked and ignored.
 */
export const SWEEPER_EVENT_TYPES = ['TokenIssued', 'TokenRevoked', 'LogoutAll', 'PasswordChanged'] as const;
export type SweeperEvent = TokenEventOf<(typeof SWEEPER_EVENT_TYPES)[number]>;

const HANDLED: ReadonlySet<string> = new Set(SWEEPER_EVENT_TYPES);

export function isSweeperEvent(event: TokenEvent): event is SweeperEvent {
  return HANDLED.has(event.type);
}

/** What a token event does to the schedule. Times are ISO strings with ms, as in the events. */
export type ScheduleChange =
  | {
      kind: 'schedule';
      tokenId: string;
      userId: string;
      familyId: string;
      tokenType: 'ACCESS' | 'REFRESH';
      issuedAt: string;
      expiresAt: string;
      warnAt: string | null;
    }
  /** The token will never expire "naturally": drop its row and remember it until it expires. */
  | { kind: 'unschedule'; tokenId: string; expiresAt: string }
  /** Every token of the user issued strictly before `notBefore` is dead. */
  | { kind: 'cutoff'; userId: string; notBefore: string };

export interface SchedulePolicy {
  /** How long before a refresh token's expiry TokenExpiring is emitted; 0 disables warnings. */
  warningMs: number;
}

/**
 * The schedule's reducer: a pure mapping from event to change. A revoked refresh token only
 * removes itself: the family's access tokens are revoked by their own TokenRevoked events.
 */
export function scheduleChangeFor(event: SweeperEvent, policy: SchedulePolicy): ScheduleChange {
  switch (event.type) {
    case 'TokenIssued':
      return scheduleIssued(event, policy);
    case 'TokenRevoked':
      return { kind: 'unschedule', tokenId: event.data.tokenId.toLowerCase(), expiresAt: event.data.expiresAt };
    case 'LogoutAll':
    case 'PasswordChanged':
      return { kind: 'cutoff', userId: event.userId.toLowerCase(), notBefore: new Date(event.data.notBefore).toISOString() };
    default:
      return exhaustive(event);
  }
}

function scheduleIssued(event: TokenEventOf<'TokenIssued'>, policy: SchedulePolicy): ScheduleChange {
  const { data } = event;
  return {
    kind: 'schedule',
    tokenId: data.tokenId.toLowerCase(),
    userId: event.userId.toLowerCase(),
    familyId: data.familyId.toLowerCase(),
    tokenType: data.tokenType,
    issuedAt: data.issuedAt,
    expiresAt: data.expiresAt,
    warnAt: warningInstant(data.tokenType, data.issuedAt, data.expiresAt, policy),
  };
}

/**
 * Refresh tokens only (an access token lives minutes; its holder refreshes anyway). No warning
 * when the token lives no longer than the warning period: it would fire at issue.
 */
export function warningInstant(tokenType: 'ACCESS' | 'REFRESH', issuedAt: string, expiresAt: string, policy: SchedulePolicy): string | null {
  if (tokenType !== 'REFRESH' || policy.warningMs <= 0) return null;
  const warnAt = Date.parse(expiresAt) - policy.warningMs;
  return warnAt > Date.parse(issuedAt) ? new Date(warnAt).toISOString() : null;
}

function exhaustive(event: never): never {
  throw new TypeError(`unhandled token event ${JSON.stringify((event as { type?: unknown }).type)}`);
}
