import { TokenEventType } from '@tessera/contracts';
import { sampleTokenEvent } from '@tessera/contracts/testing';
import { Topology } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { parseScheduleMessage } from './consumer.js';
import { SWEEPER_EVENT_TYPES } from './decide.js';

const topology = new Topology({ namespace: 'ns', eventsMaxAgeMs: 86_400_000 });
const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

describe('parseScheduleMessage', () => {
  it.each(SWEEPER_EVENT_TYPES)('validates and keeps %s', (type) => {
    const event = sampleTokenEvent(type);
    expect(parseScheduleMessage(json(event), topology)).toEqual({ success: true, data: { kind: 'event', event, occurredAt: event.occurredAt } });
  });

  it('acks other known types without validating them (the 2.9 consumer sees every event)', () => {
    const others = TokenEventType.options.filter((t) => !(SWEEPER_EVENT_TYPES as readonly string[]).includes(t));
    expect(others).toContain('TokenExpired');
    for (const type of others) {
      expect(parseScheduleMessage({ type, whatever: true }, topology), type).toEqual({ success: true, data: { kind: 'ignored', type } });
    }
  });

  it.each([
    ['an unknown type', { ...sampleTokenEvent('TokenIssued'), type: 'TokenStolen' }],
    ['a TokenIssued missing its expiry', (() => {
      const e = json(sampleTokenEvent('TokenIssued')) as { data: Record<string, unknown> };
      delete e.data['expiresAt'];
      return e;
    })()],
    ['a TokenRevoked with an extra field', { ...sampleTokenEvent('TokenRevoked'), extra: 1 }],
    ['null', null],
    ['a string', 'TokenIssued'],
  ])('rejects %s (dead-lettered by the consume loop)', (_label, data) => {
    expect(parseScheduleMessage(json(data), topology).success).toBe(false);
  });
});
