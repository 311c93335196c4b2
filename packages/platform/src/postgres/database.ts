import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

export interface DatabaseOptions {
  url: string;
  /** The service's own schema; every connection's search_path points at it. */
  schema: string;
  poolMax?: number;
  /** A statement running longer than this is cancelled by the server. */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  schema: string;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`invalid schema name: ${schema}`);
}

/*
 * pg returns int8 (bigint, count(*)) as strings by default; our counts and sequence numbers are
 * far below 2^53, so parse them as numbers once, here, for every pool.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * A kysely instance over a pg pool whose connections all use the service's schema, so queries
 * name tables without a schema and a test can point the same code at a throwaway schema.
 */
export function createDatabase<DB>(options: DatabaseOptions): Database<DB> {
  assertSchemaName(options.schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName ?? 'tessera',
    options: `-c search_path=${options.schema} -c statement_timeout=${options.statementTimeoutMs ?? 15_000}`,
    // Generous enough for a busy host; the health check has its own 1 s bound.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // drops it and the next query gets a fresh one.
  pool.on('error', () => {});
  // A client checked out of the pool (a transaction between statements, a session lock) has no
  // pool listener: without its own, the server's "terminating connection" (restart, failover)
  // is an unhandled 'error' event that kills the process. The query in flight, if any, still
  // fails, and pg-pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, pool, schema: options.schema, close: () => db.destroy() };
}

/** `SELECT 1` within a time bound, for health checks. */
export async function pingDatabase(pool: pg.Pool, timeoutMs = 1_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([pool.query('select 1'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { sql };
