/**
 * The migration one-shot (compose service `migrate`, or a Job before a rollout): applies the
 * frozen migrations of every service that owns a Postgres schema (DESIGN §2), then exits 0, or 1
 * naming the schema that failed.
 *
 * The services migrate at start too, with the same `migrateToLatest` (an advisory lock per schema
 * plus kysely's migration lock), so running this first is not needed for correctness: it makes a
 * schema change one visible, ordered step that fails before any new replica takes traffic, and
 * keeps N replicas from queueing on the lock at start.
 *
 * It runs only inside the `migrate` image, where deploy/docker/assemble.sh puts each owner's
 * migrations under ./migrations/<service>/ beside this file.
 */
import { createDatabase, createLogger, databaseConfigSchema, loadConfigOrExit, migrateToLatest } from '@tessera/platform';
import { z } from 'zod';

const SCHEMA_OWNERS = [
  { service: 'token-api', env: 'TOKEN_API', schema: 'token_api' },
  { service: 'audit', env: 'AUDIT', schema: 'audit' },
  { service: 'sweeper', env: 'SWEEPER', schema: 'sweeper' },
] as const;

/*
 * DATABASE_URL serves every schema by default (one database, DESIGN §2); <SERVICE>_DATABASE_URL and
 * <SERVICE>_DATABASE_SCHEMA follow a service moved to its own database or schema.
 */
const MigrateConfig = z.object({
  DATABASE_URL: databaseConfigSchema.shape.DATABASE_URL,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...Object.fromEntries(
    SCHEMA_OWNERS.flatMap((owner) => [
      [`${owner.env}_DATABASE_URL`, databaseConfigSchema.shape.DATABASE_URL.unwrap().optional()],
      [`${owner.env}_DATABASE_SCHEMA`, databaseConfigSchema.shape.DATABASE_SCHEMA.unwrap().default(owner.schema)],
    ]),
  ),
});

/** kysely's Migration, named through platform's signature (kysely itself is not a dependency here). */
type Migration = Parameters<typeof migrateToLatest>[2][string];

const MigrationsModule = z.object({
  migrations: z.record(z.string().regex(/^\d{4}_\d{2}_\d{2}_\d{4}_[a-z0-9_]+$/), z.custom<Migration>((m) => typeof (m as Migration | null)?.up === 'function')),
});

async function main(): Promise<void> {
  const config = loadConfigOrExit(MigrateConfig) as Record<string, string>;
  const logger = createLogger({ service: 'migrate', level: config.LOG_LEVEL as 'info' });
  for (const owner of SCHEMA_OWNERS) {
    const url = config[`${owner.env}_DATABASE_URL`] ?? config.DATABASE_URL!;
    const schema = config[`${owner.env}_DATABASE_SCHEMA`]!;
    const database = createDatabase({ url, schema, poolMax: 1, applicationName: `tessera-migrate:${owner.service}` });
    try {
      const module = MigrationsModule.parse(await import(new URL(`./migrations/${owner.service}/index.ts`, import.meta.url).href));
      const applied = await migrateToLatest(database.db, schema, module.migrations, logger);
      logger.info({ service: owner.service, schema, applied, known: Object.keys(module.migrations).length }, `${owner.service}: schema ${schema} is up to date`);
    } catch (error) {
      logger.fatal({ err: error, service: owner.service, schema }, `${owner.service}: migrating schema ${schema} failed`);
      process.exitCode = 1;
      return;
    } finally {
      await database.close();
    }
  }
}

await main();
