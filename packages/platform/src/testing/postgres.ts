import pg from 'pg';
import { createDatabase, type Database } from '../postgres/database.js';
import { uniqueName } from './names.js';
import { testDatabaseUrl } from './services.js';

export interface TestSchema<DB> extends Database<DB> {
  url: string;
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>;
}

/**
 * A throwaway schema on the shared test database, so test files run in parallel and a rerun
 * starts clean. The schema is created by the code under test (its migrations), like in production.
 */
export function createTestSchema<DB>(prefix: string, url = testDatabaseUrl()): TestSchema<DB> {
  const schema = uniqueName(`t_${prefix}`);
  const database = createDatabase<DB>({ url, schema, poolMax: 5 });
  return {
    ...database,
    url,
    drop: async () => {
      await database.pool.query(`drop schema if exists ${schema} cascade`).catch(() => {});
      await database.close();
    },
  };
}

/** A one-off query on the test database (outside any schema's pool). */
export async function queryTestDatabase<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = [], url = testDatabaseUrl()): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
