// What a token event does to the REVOCATIONS bucket (DESIGN §4), as a pure function: the event
// and the clock in, a list of effects out. The store applies them idempotently, so a redelivered
// event — or one handled by two replicas — changes nothing the second time.
import { revokedSessionKey, revokedTokenKey, userCutoffKey, type RevokedSessionEntry, type RevokedTokenEntry, type TokenEvent } from '@tessera/contracts';

export type RevocationEffect =
  /** Create `jti.<id>` unless present: the first revocation of a token is the one kept. */
  | { kind: 'revoke_token'; key: string; value: RevokedTokenEntry; ttlMs: number }
  /** Create `sid.<id>` unless present. */
  | { kind: 'revoke_session'; key: string; value: RevokedSessionEntry; ttlMs: number }
  /** Set `sub.<id>` to max(current, notBefore): a cutoff never moves backwards. */
  | { kind: 'raise_cutoff'; key: string; notBefore: number }
  /** Delete `jti.<id>` if present: the token has expired, so its revocation no longer matters. */
  | { kind: 'forget_token'; key: string };

export interface DecideSettings {
  now: number;
  /** How long an access token of a revoked session may still be presented. */
  accessTokenLifetimeMs: number;
  clockSkewMs: number;
}

export function revocationEffects(event: TokenEvent, settings: DecideSettings): RevocationEffect[] {
  const revokedAt = Date.parse(event.occurredAt);
  switch (event.type) {
    case 'TokenRevoked': {
      const { tokenId, tokenType, familyId, reason, expiresAt } = event.data;
      const expiresAtMs = Date.parse(expiresAt);
      const effects: RevocationEffect[] = [];
      // A token that has already expired is refused for that; listing it would only take space.
      if (expiresAtMs > settings.now) {
        effects.push({
          kind: 'revoke_token',
          key: revokedTokenKey(tokenId),
          value: { exp: Math.ceil(expiresAtMs / 1000), reason, revokedAt },
          ttlMs: expiresAtMs - settings.now + settings.clockSkewMs,
        });
      }
      // A refresh token stands for its session: every access token of the family goes with it.
      if (tokenType === 'REFRESH') {
        effects.push({
          kind: 'revoke_session',
          key: revokedSessionKey(familyId),
          value: { revokedAt, reason },
          ttlMs: settings.accessTokenLifetimeMs + settings.clockSkewMs,
        });
      }
      return effects;
    }
    case 'LogoutAll':
    case 'PasswordChanged':
      return [{ kind: 'raise_cutoff', key: userCutoffKey(event.userId), notBefore: event.data.notBefore }];
    case 'TokenExpired':
      return [{ kind: 'forget_token', key: revokedTokenKey(event.data.tokenId) }];
    default:
      // Every other event type is acked and ignored: CONSUMERS.revocation lists the four above.
      return [];
  }
}
