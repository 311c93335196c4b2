import { createTokenEvent } from '@tessera/contracts';
import { Topology } from '@tessera/platform';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { parseExpiryMessage } from './parse.js';

const topology = new Topology({ namespace: '', eventsMaxAgeMs: 86_400_000 });
const userId = uuidv7();
const expired = createTokenEvent('TokenExpired', {
  id: uuidv7(),
  occurredAt: '2026-11-22T10:00:00.000Z',
  userId,
  actor: { kind: 'system', id: 'sweeper' },
  data: { tokenId: uuidv7(), tokenType: 'REFRESH', expiresAt: '2026-11-22T10:00:00.000Z' },
});

describe('parseExpiryMessage', () => {
  it('takes a TokenExpired, with its occurredAt for the event-to-effect histogram', () => {
    expect(parseExpiryMessage(JSON.parse(JSON.stringify(expired)), topology)).toEqual({
      success: true,
      data: { kind: 'expired', event: expired, occurredAt: expired.occurredAt },
    });
  });

  it('acks other event types without validating them', () => {
    expect(parseExpiryMessage({ type: 'TokenIssued', whatever: true }, topology)).toEqual({ success: true, data: { kind: 'ignored', type: 'TokenIssued' } });
    expect(parseExpiryMessage({ type: 'TokenExpiring' }, topology)).toEqual({ success: true, data: { kind: 'ignored', type: 'TokenExpiring' } });
  });

  it('refuses (for the dead-letter stream) a malformed TokenExpired and anything that is not a token event', () => {
    const { tokenId: _dropped, ...withoutTokenId } = expired.data;
    expect(parseExpiryMessage({ ...expired, data: withoutTokenId }, topology).success).toBe(false);
    expect(parseExpiryMessage({ ...expired, data: { ...expired.data, tokenId: 'not-a-uuid' } }, topology).success).toBe(false);
    expect(parseExpiryMessage({ type: 'TokenVanished' }, topology).success).toBe(false);
    expect(parseExpiryMessage('TokenExpired', topology).success).toBe(false);
    expect(parseExpiryMessage(null, topology).success).toBe(false);
  });
});
