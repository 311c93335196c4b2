// RotateSigningKey: the new key is published at once and signs from `activatesAt`; the one it
// replaces stays in the JWKS until every token it signed has expired.
import { createKeyEvent, type Actor, type JwtAlg, type KeyEvent } from '@tessera/contracts';

export interface RotateSigningKey {
  newKey: { kid: string; alg: JwtAlg };
  activationDelayMs: number;
  actor: Actor;
  now: number;
  eventId: string;
}

export interface RotateSigningKeyOutcome {
  activatesAt: number;
  events: KeyEvent[];
}

export function decideRotateSigningKey(command: RotateSigningKey): RotateSigningKeyOutcome {
  const activatesAt = command.now + command.activationDelayMs;
  const event = createKeyEvent('SigningKeyRotated', {
    id: command.eventId,
    occurredAt: new Date(command.now).toISOString(),
    actor: command.actor,
    data: { kid: command.newKey.kid, alg: command.newKey.alg, activatesAt: new Date(activatesAt).toISOString() },
  });
  return { activatesAt, events: [event] };
}
