// Builders for the MFA events; each validates against its contract schema at the producer.
import { createTokenEvent, type Actor, type TokenEvent } from '@tessera/contracts';
import type { ClientContext, NextId } from '../../domain/model.js';

export interface EventContext {
  userId: string;
  actor: Actor;
  client: ClientContext;
  now: number;
  nextId: NextId;
}

const envelope = (c: EventContext) => ({ id: c.nextId(), occurredAt: new Date(c.now).toISOString(), userId: c.userId, actor: c.actor });
const where = (c: EventContext) => ({ clientIp: c.client.ip, userAgent: c.client.userAgent });

export const mfaEnabled = (c: EventContext, recoveryCodes: number): TokenEvent =>
  createTokenEvent('MfaEnabled', { ...envelope(c), data: { method: 'totp', recoveryCodes, ...where(c) } });

export const mfaDisabled = (c: EventContext): TokenEvent => createTokenEvent('MfaDisabled', { ...envelope(c), data: { method: 'totp', ...where(c) } });

export const recoveryCodeUsed = (c: EventContext, remaining: number): TokenEvent =>
  createTokenEvent('RecoveryCodeUsed', { ...envelope(c), data: { remaining, ...where(c) } });
