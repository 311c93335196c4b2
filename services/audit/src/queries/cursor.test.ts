import { Cursor } from '@tessera/contracts';
import { AppError } from '@tessera/platform';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('trail cursor', () => {
  const position = { occurredAtMicros: 1_768_471_200_123_456, eventId: '019bc119-0100-7000-8000-000000000001' };

  it('round-trips and fits the contracts Cursor pattern', () => {
    const cursor = encodeCursor(position);
    expect(Cursor.safeParse(cursor).success).toBe(true);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    'AAAA',
    Buffer.from('1768471200123456').toString('base64url'),
    Buffer.from('x:019bc119-0100-7000-8000-000000000001').toString('base64url'),
    Buffer.from('99999999999999999:019bc119-0100-7000-8000-000000000001').toString('base64url'),
    Buffer.from('1:not-a-uuid-------------------------').toString('base64url'),
  ])('rejects %s with a 400 naming the cursor', (cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect(caught).toMatchObject({ status: 400, errors: [{ path: 'cursor' }] });
  });
});
