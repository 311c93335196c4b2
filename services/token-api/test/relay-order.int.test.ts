import { sql } from 'kysely';
import { migrateToLatest } from '@tessera/platform';
import { createTestSchema, type TestSchema } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenApiDatabase } from '../src/db/schema.js';
import { migrations } from '../src/migrations/index.js';
import { markPublished, takeRelayBatch } from '../src/outbox/relay-query.js';

let schema: TestSchema<TokenApiDatabase>;
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

beforeAll(async () => {
  schema = createTestSchema<TokenApiDatabase>('relay');
  await migrateToLatest(schema.db, schema.schema, migrations);
});
afterAll(async () => {
  await schema?.drop();
});

async function insert(userId: string | null, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = crypto.randomUUID();
    await schema.db.insertInto('token_events').values({ id, subject: 's', type: 'TokenIssued', user_id: userId, payload: '{}', headers: null }).execute();
    ids.push(id);
  }
  return ids;
}

describe('relay batches', () => {
  it('take events in sequence order, skip rows another relay holds, and never pass a user’s earlier held event', async () => {
    const a = await insert(A, 3);
    const b = await insert(B, 2);
    const keys = await insert(null, 1);

    // Another replica's relay holds A's first event.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const isHolding = new Promise<void>((resolve) => (holding = resolve));
    const other = schema.db.transaction().execute(async (trx) => {
      await sql`select id from token_events where id = ${a[0]} for update`.execute(trx);
      holding();
      await held;
    });
    await isHolding;

    const batch = await schema.db.transaction().execute((trx) => takeRelayBatch(trx, 100, 0));
    // A's later events wait for the first; B's and the key event go.
    expect(batch.map((e) => e.id)).toEqual([...b, ...keys]);
    release();
    await other;

    await markPublished(schema.db, batch.map((e) => e.id));
    const next = await schema.db.transaction().execute((trx) => takeRelayBatch(trx, 2, 0));
    expect(next.map((e) => e.id)).toEqual(a.slice(0, 2));
  });

  it('leaves events younger than the minimum age to the after-commit path', async () => {
    const fresh = await insert(B, 1);
    const batch = await schema.db.transaction().execute((trx) => takeRelayBatch(trx, 100, 60_000));
    expect(batch.map((e) => e.id)).not.toContain(fresh[0]);
  });
});
