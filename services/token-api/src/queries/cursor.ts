// Opaque keyset cursors: the last row's (created_at ms, id) and the list they belong to, as
// base64url. A cursor that does not decode to exactly that shape is a 400, never a wrong page.
import { badRequest } from '@tessera/platform';
import { Uuid } from '@tessera/contracts';

export interface Position {
  createdAt: number;
  id: string;
}

const SHAPE = /^([a-z]{1,8})\.(\d{1,15})\.([0-9a-f-]{36})$/;

export function encodeCursor(list: string, position: Position): string {
  return Buffer.from(`${list}.${position.createdAt}.${position.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(list: string, cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const match = SHAPE.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || match[1] !== list || !Uuid.safeParse(match[3]).success) throw invalidCursor();
  const createdAt = Number(match[2]);
  if (!Number.isSafeInteger(createdAt)) throw invalidCursor();
  return { createdAt, id: match[3]! };
}

const invalidCursor = () => badRequest('Invalid query', [{ path: 'cursor', message: 'is not a cursor this list issued' }]);
