import type { Generated, Insertable, Selectable } from 'kysely';
import type { TokenType } from '@tessera/contracts';

/** One live token whose expiry (and, for refresh tokens, pre-expiry warning) is still to be announced. */
export interface ExpiryScheduleTable {
  token_id: string;
  user_id: string;
  family_id: string;
  token_type: TokenType;
  issued_at: Date;
  expires_at: Date;
  /** When to emit TokenExpiring; null when no warning is due for this token. */
  warn_at: Date | null;
  warned: Generated<boolean>;
}
export type ScheduledToken = Selectable<ExpiryScheduleTable>;
export type NewScheduledToken = Insertable<ExpiryScheduleTable>;

/** A revoked token, kept until it has expired so a late TokenIssued cannot schedule it. */
export interface RevokedTokenTable {
  token_id: string;
  expires_at: Date;
}

/** The user's latest logout-all / password-change instant: tokens issued before it are dead. */
export interface UserCutoffTable {
  user_id: string;
  not_before: Date;
}

export interface SweeperDatabase {
  expiry_schedule: ExpiryScheduleTable;
  revoked_token: RevokedTokenTable;
  user_cutoff: UserCutoffTable;
}
