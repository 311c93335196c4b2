// Cursor pagination shared by every list endpoint (DESIGN §5).
import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;

/** Opaque to clients; servers encode their keyset position as base64url. */
export const Cursor = z.string().regex(/^[A-Za-z0-9_-]{1,256}$/);

/** Query strings arrive as text, hence the coercion of `limit`. */
export const PageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
  cursor: Cursor.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** A page of `item`; `nextCursor` is null on the last page. */
export function page<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item).max(MAX_PAGE_SIZE), nextCursor: Cursor.nullable() });
}
export type Page<T> = { items: T[]; nextCursor: string | null };
