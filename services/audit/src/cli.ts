// Runbook commands of the audit service, run where the service's environment is set:
//   tsx services/audit/src/cli.ts rebuild [--json]
// Arguments are parsed with node's util.parseArgs: one command and one flag do not need a CLI
// framework (the `tessera` operations CLI wraps this).
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { createDatabase, createLogger, loadConfigOrExit, migrateToLatest, provisionStreams, Topology, topologySettings } from '@tessera/platform';
import { AuditConfig } from './config.js';
import type { AuditDatabase } from './db.js';
import { migrations } from './migrations/index.js';
import { rebuildProjection, RebuildInProgressError, type RebuildProgress } from './rebuild/rebuild.js';

const USAGE = `usage: cli.ts rebuild [--json]

  rebuild   replay the token-event stream into a fresh audit table and swap it in
            (the live projection keeps serving; one rebuild at a time)
  --json    print the result as JSON on stdout (progress always goes to stderr)

Configuration comes from the same environment variables as the service (DATABASE_URL,
DATABASE_SCHEMA, NATS_URL, NATS_NAMESPACE, AUDIT_RETENTION_DAYS, ...).`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'rebuild') {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }

  const config = loadConfigOrExit(AuditConfig);
  const logger = createLogger({ service: 'audit-cli', level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, destination: process.stderr });
  const database = createDatabase<AuditDatabase>({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, poolMax: 3, applicationName: 'audit-cli', statementTimeoutMs: 600_000 });
  const nc = await connect({ servers: config.NATS_URL.split(','), name: 'audit-cli' });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());

  let last: RebuildProgress = { replayed: 0, targetSequence: 0 };
  const ticker = setInterval(() => process.stderr.write(`rebuild: replayed ${last.replayed} events (stream up to #${last.targetSequence})\n`), 1_000);
  try {
    const topology = new Topology(topologySettings(config));
    await migrateToLatest(database.db, database.schema, migrations, logger);
    await provisionStreams(nc, topology);
    const result = await rebuildProjection({
      db: database.db,
      pool: database.pool,
      nc,
      topology,
      logger,
      retentionDays: config.AUDIT_RETENTION_DAYS,
      signal: abort.signal,
      onProgress: (progress) => {
        last = progress;
      },
    });
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result)}\n`
        : `rebuild done in ${(result.durationMs / 1000).toFixed(1)} s: ${result.replayed} events replayed, ${result.skipped} skipped, ` +
            `${result.carriedOver} rows carried over, ${result.rows} rows in ${database.schema}.auth_token_audit (table locked ${result.lockedMs} ms for the swap)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof RebuildInProgressError) {
      process.stderr.write('rebuild: another rebuild is running; try again when it has finished\n');
      return 75; // EX_TEMPFAIL
    }
    process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    clearInterval(ticker);
    await nc.close().catch(() => {});
    await database.close().catch(() => {});
  }
}

process.exitCode = await main();
