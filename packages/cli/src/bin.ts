import { Command, InvalidArgumentError } from 'commander';
import { renderChecks } from './checks.js';
import { doctor } from './commands/doctor.js';
import { readSettings } from './settings.js';
import { SystemAccess } from './system.js';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

const program = new Command()
  .name('tessera')
  .description('Operate a Tessera deployment. Reads NATS_URL, NATS_NAMESPACE, DATABASE_URL, TESSERA_SERVICE_URLS, TESSERA_ADMIN_TOKEN.')
  .option('--json', 'machine-readable output');

program
  .command('doctor')
  .description('startup verification: services, Postgres, NATS, streams, consumers, bucket, lag, outbox, DLQ; exits 1 on any failure')
  .option('--lag-warning <n>', 'consumer lag that counts as a warning', positiveInt, 1000)
  .option('--outbox-warning <n>', 'outbox backlog that counts as a warning', positiveInt, 100)
  .action(async (opts: { lagWarning: number; outboxWarning: number }) => {
    const system = new SystemAccess(readSettings());
    try {
      const checks = await doctor(system, opts);
      const failed = checks.some((c) => c.status === 'fail');
      process.stdout.write(program.opts().json ? `${JSON.stringify({ healthy: !failed, checks }, null, 2)}\n` : `${renderChecks('tessera doctor', checks)}\n`);
      process.exitCode = failed ? 1 : 0;
    } finally {
      await system.close();
    }
  });

await program.parseAsync(process.argv);
