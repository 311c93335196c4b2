// Builders for the events the deciders emit; each validates against its contract schema, so a
// decider bug fails here, in the producer, rather than at every consumer.
import { createTokenEvent, type Actor, type TokenEvent, type TokenType } from '@tessera/contracts';
import type { NewToken, NextId, TokenState } from './model.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function tokenIssued(token: NewToken, actor: Actor, nextId: NextId): TokenEvent {
  return createTokenEvent('TokenIssued', {
    id: nextId(),
    occurredAt: iso(token.issuedAt),
    userId: token.userId,
    actor,
    data: {
      tokenId: token.id,
      tokenType: token.type,
      familyId: token.familyId,
      ...(token.parentTokenId ? { parentTokenId: token.parentTokenId } : {}),
      scopes: token.scopes,
      issuedAt: iso(token.issuedAt),
      expiresAt: iso(token.expiresAt),
      clientIp: token.client.ip,
      userAgent: token.client.userAgent,
      fingerprint: token.client.fingerprint,
      ...(token.allowedCountries ? { allowedCountries: token.allowedCountries } : {}),
    },
  });
}

export function tokenRevoked(token: Pick<TokenState, 'id' | 'userId' | 'type' | 'familyId' | 'expiresAt'>, reason: string, now: number, actor: Actor, nextId: NextId): TokenEvent {
  return createTokenEvent('TokenRevoked', {
    id: nextId(),
    occurredAt: iso(now),
    userId: token.userId,
    actor,
    data: { tokenId: token.id, tokenType: token.type as TokenType, familyId: token.familyId, reason, expiresAt: iso(token.expiresAt) },
  });
}
