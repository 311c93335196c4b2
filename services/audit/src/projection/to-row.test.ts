import { TokenEventType } from '@tessera/contracts';
import { FIXED_ACTOR, FIXED_IDS, FIXED_NOW_ISO, SAMPLE_EVENT_DATA, sampleTokenEvent } from '@tessera/contracts/testing';
import { describe, expect, it } from 'vitest';
import { toAuditRow } from './to-row.js';

describe('toAuditRow', () => {
  it('lifts token id, client IP, User-Agent and reason where the event has them', () => {
    expect(toAuditRow(sampleTokenEvent('TokenIssued'), 7)).toEqual({
      eventId: FIXED_IDS.eventId,
      action: 'TokenIssued',
      userId: FIXED_IDS.userId,
      tokenId: FIXED_IDS.tokenId,
      actorKind: FIXED_ACTOR.kind,
      actorId: FIXED_ACTOR.id,
      clientIp: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0',
      reason: null,
      occurredAt: FIXED_NOW_ISO,
      streamSeq: 7,
      data: JSON.stringify(SAMPLE_EVENT_DATA.TokenIssued),
    });
    expect(toAuditRow(sampleTokenEvent('TokenRevoked'), 1)).toMatchObject({ tokenId: FIXED_IDS.tokenId, reason: 'user logout', clientIp: null, userAgent: null });
    expect(toAuditRow(sampleTokenEvent('LogoutAll'), 1)).toMatchObject({ tokenId: null, reason: 'logout all devices' });
    expect(toAuditRow(sampleTokenEvent('PasswordChanged'), 1)).toMatchObject({ tokenId: null, reason: null, clientIp: null });
    expect(toAuditRow(sampleTokenEvent('TokenValidationFailed'), 1)).toMatchObject({
      tokenId: FIXED_IDS.tokenId,
      reason: 'bad_signature',
      clientIp: '198.51.100.23',
      userAgent: 'python-requests/2.32.3',
    });
  });

  it.each(TokenEventType.options)('keeps the whole payload of %s in data', (type) => {
    const event = sampleTokenEvent(type);
    const row = toAuditRow(event, 42);
    expect(JSON.parse(row.data)).toEqual(event.data);
    expect(row).toMatchObject({ action: type, streamSeq: 42, userId: event.userId, occurredAt: event.occurredAt });
  });

  it('takes the actor from the envelope', () => {
    const row = toAuditRow(sampleTokenEvent('TokenRevoked', { actor: { kind: 'admin', id: FIXED_IDS.otherUserId } }), 1);
    expect(row).toMatchObject({ actorKind: 'admin', actorId: FIXED_IDS.otherUserId });
  });
});
