import { Uuid } from '@tessera/contracts';
import { badRequest } from '@tessera/platform';

/** Keyset position in a trail: the last row's occurred_at (µs since the epoch) and event id. */
export interface TrailPosition {
  occurredAtMicros: number;
  eventId: string;
}

const DECODED = /^(\d{1,17}):([0-9a-fA-F-]{36})$/;

/** Opaque to clients (DESIGN §5); base64url so it fits the contracts' Cursor pattern. */
export function encodeCursor(position: TrailPosition): string {
  return Buffer.from(`${position.occurredAtMicros}:${position.eventId}`, 'utf8').toString('base64url');
}

/** A cursor we did not produce is a client error, never a 500. */
export function decodeCursor(cursor: string): TrailPosition {
  const match = DECODED.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const micros = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(micros) || !Uuid.safeParse(match[2]).success) {
    throw badRequest('Invalid request query', [{ path: 'cursor', message: 'not a cursor returned by this endpoint' }]);
  }
  return { occurredAtMicros: micros, eventId: match[2]!.toLowerCase() };
}
