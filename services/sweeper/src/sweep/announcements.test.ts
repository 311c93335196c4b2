import { parseTokenEvent, serverMessageForEvent, uuidV7Timestamp } from '@tessera/contracts';
import { FIXED_IDS } from '@tessera/contracts/testing';
import { Topology } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { tokenExpired, tokenExpiring } from './announcements.js';

const topology = new Topology({ namespace: 'ns1', eventsMaxAgeMs: 86_400_000 });
const row = {
  token_id: FIXED_IDS.tokenId,
  user_id: FIXED_IDS.userId,
  family_id: FIXED_IDS.familyId,
  token_type: 'REFRESH' as const,
  expires_at: new Date('2026-01-15T10:15:00.123Z'),
};

describe('tokenExpired', () => {
  it('is a valid TokenExpired from the system actor, occurring at the expiry instant', () => {
    const a = tokenExpired(row, topology);
    expect(parseTokenEvent(JSON.parse(JSON.stringify(a.event)))).toMatchObject({ success: true });
    expect(a.event).toMatchObject({
      type: 'TokenExpired',
      userId: FIXED_IDS.userId,
      occurredAt: '2026-01-15T10:15:00.123Z',
      actor: { kind: 'system', id: 'sweeper' },
      data: { tokenId: FIXED_IDS.tokenId, tokenType: 'REFRESH', expiresAt: '2026-01-15T10:15:00.123Z' },
    });
    expect(a.subject).toBe(`ns1.tokens.expired.${FIXED_IDS.userId}`);
    expect(a.msgId).toBe(`expired:${FIXED_IDS.tokenId}`);
    expect(uuidV7Timestamp(a.event.id)).toBe(row.expires_at.getTime());
  });

  it('is identical when built twice (a re-emission carries the same id and body)', () => {
    expect(JSON.stringify(tokenExpired({ ...row }, topology))).toBe(JSON.stringify(tokenExpired(row, topology)));
    expect(tokenExpired({ ...row, token_id: FIXED_IDS.parentTokenId }, topology).event.id).not.toBe(tokenExpired(row, topology).event.id);
  });
});

describe('tokenExpiring', () => {
  it('is a valid TokenExpiring at the warning instant, with its own msgId and event id', () => {
    const warnAt = new Date('2026-01-14T10:15:00.123Z');
    const a = tokenExpiring({ ...row, warn_at: warnAt }, topology);
    expect(parseTokenEvent(JSON.parse(JSON.stringify(a.event)))).toMatchObject({ success: true });
    expect(a.event).toMatchObject({
      type: 'TokenExpiring',
      occurredAt: warnAt.toISOString(),
      data: { tokenId: FIXED_IDS.tokenId, tokenType: 'REFRESH', familyId: FIXED_IDS.familyId, expiresAt: '2026-01-15T10:15:00.123Z' },
    });
    expect(a.subject).toBe(`ns1.tokens.expiring.${FIXED_IDS.userId}`);
    expect(a.msgId).toBe(`expiring:${FIXED_IDS.tokenId}`);
    expect(a.event.id).not.toBe(tokenExpired(row, topology).event.id);
    expect(serverMessageForEvent(a.event)).toEqual({
      type: 'TOKEN_EXPIRING',
      tokenId: FIXED_IDS.tokenId,
      userId: FIXED_IDS.userId,
      expiresAt: '2026-01-15T10:15:00.123Z',
    });
  });
});
