import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { Logger } from '../logger.js';
import { assertSchemaName } from './database.js';

/**
 * Brings the service's schema to the latest migration. Migrations are frozen modules named with a
 * sortable timestamp (`2026_11_22_0001_initial`) and never import application code.
 *
 * Two replicas starting at once are safe: a transaction-scoped advisory lock keyed by the schema
 * serialises schema creation, and kysely's migrator holds its own lock while migrating.
 */
export async function migrateToLatest(db: Kysely<any>, schema: string, migrations: Record<string, Migration>, logger?: Logger): Promise<string[]> {
  assertSchemaName(schema);
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`tessera:schema:${schema}`}))`.execute(trx);
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
  });
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: schema,
    // Work on parallel branches can add migrations whose names sort before ones already applied
    // in a shared development database; each migration is still applied exactly once.
    allowUnorderedMigrations: true,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length > 0) logger?.info({ schema, applied }, 'migrations applied');
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return applied;
}
