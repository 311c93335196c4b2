import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { PageQuery, page } from './pagination.js';

describe('PageQuery', () => {
  it('defaults limit to 20 and coerces query-string text', () => {
    expect(PageQuery.parse({})).toEqual({ limit: 20 });
    expect(PageQuery.parse({ limit: '100', cursor: 'eyJpZCI6MX0' })).toEqual({ limit: 100, cursor: 'eyJpZCI6MX0' });
  });

  it.each([
    { limit: '0' },
    { limit: '101' },
    { limit: '2.5' },
    { limit: 'ten' },
    { limit: '' },
    { limit: ['1', '2'] },
    { cursor: '' },
    { cursor: 'has/slash+plus=' },
    { cursor: 'a'.repeat(257) },
    { page: '2' },
  ])('rejects %j', (query) => {
    expect(PageQuery.safeParse(query).success).toBe(false);
  });
});

describe('page()', () => {
  const Items = page(z.strictObject({ n: z.int() }));

  it('wraps items with a nullable cursor', () => {
    expect(Items.safeParse({ items: [{ n: 1 }], nextCursor: null }).success).toBe(true);
    expect(Items.safeParse({ items: [], nextCursor: 'abc' }).success).toBe(true);
  });

  it.each([
    { items: [{ n: 'x' }], nextCursor: null },
    { items: [] },
    { items: [], nextCursor: null, total: 3 },
    { items: Array.from({ length: 101 }, () => ({ n: 1 })), nextCursor: null },
  ])('rejects %#', (body) => {
    expect(Items.safeParse(body).success).toBe(false);
  });
});
