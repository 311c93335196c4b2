import { UuidV7, uuidV7Timestamp } from '@tessera/contracts';
import { describe, expect, it } from 'vitest';
import { deterministicUuidV7 } from './event-id.js';

const MS = 1_768_471_200_123;

describe('deterministicUuidV7', () => {
  it('is a valid UUIDv7 whose timestamp is the given instant', () => {
    const id = deterministicUuidV7(MS, 'expired:019bc119-0100-7000-8000-000000000002');
    expect(UuidV7.safeParse(id).success).toBe(true);
    expect(uuidV7Timestamp(id)).toBe(MS);
  });

  it('is the same for the same inputs and differs when either differs', () => {
    const a = deterministicUuidV7(MS, 'expired:a');
    expect(deterministicUuidV7(MS, 'expired:a')).toBe(a);
    expect(deterministicUuidV7(MS, 'expiring:a')).not.toBe(a);
    expect(deterministicUuidV7(MS + 1, 'expired:a')).not.toBe(a);
  });

  it('spreads many keys without collisions', () => {
    const ids = new Set(Array.from({ length: 50_000 }, (_, i) => deterministicUuidV7(MS, `expired:${i}`)));
    expect(ids.size).toBe(50_000);
  });

  it('covers the edges of the 48-bit range and refuses anything else', () => {
    expect(deterministicUuidV7(0, 'k').startsWith('00000000-0000-7')).toBe(true);
    expect(uuidV7Timestamp(deterministicUuidV7(2 ** 48 - 1, 'k'))).toBe(2 ** 48 - 1);
    for (const bad of [-1, 2 ** 48, 1.5, Number.NaN]) expect(() => deterministicUuidV7(bad, 'k')).toThrow(TypeError);
  });
});
