import { Command, InvalidArgumentError } from 'commander';
import { AdminClient, CliError } from './admin-client.js';
import { renderChecks } from './checks.js';
import { logoutAll, revokeToken, rotateKeys } from './commands/admin-actions.js';
import { rebuildAudit } from './commands/audit-rebuild.js';
import { doctor } from './commands/doctor.js';
import { listDeadLetters, replayDeadLetters } from './commands/dlq.js';
import { handover, renderHandover } from './commands/handover.js';
import { readSettings } from './settings.js';
import { SystemAccess } from './system.js';

const nonNegativeInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

const program = new Command()
  .name('tessera')
  .description('Operate a Tessera deployment. Reads NATS_URL, NATS_NAMESPACE, DATABASE_URL, TESSERA_SERVICE_URLS and, for admin actions, TESSERA_ADMIN_TOKEN or TESSERA_ADMIN_EMAIL + TESSERA_ADMIN_PASSWORD (+ TESSERA_ADMIN_OTP, a current code, for an admin with two-step sign-in).')
  .option('--json', 'machine-readable output');

const json = () => Boolean(program.opts().json);
const print = (human: string, data: unknown) => process.stdout.write(json() ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);

/** Runs a command with the system's connections, closing them however it ends. */
function withSystem<A extends unknown[]>(fn: (system: SystemAccess, admin: AdminClient, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const settings = readSettings();
    const system = new SystemAccess(settings);
    try {
      await fn(system, new AdminClient({ ...settings, TESSERA_ADMIN_EMAIL: process.env.TESSERA_ADMIN_EMAIL, TESSERA_ADMIN_PASSWORD: process.env.TESSERA_ADMIN_PASSWORD, TESSERA_ADMIN_OTP: process.env.TESSERA_ADMIN_OTP }), ...args);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`tessera: ${error.message}\n`);
      process.exitCode = 1;
    } finally {
      await system.close();
    }
  };
}

program
  .command('doctor')
  .description('startup verification: services, Postgres, NATS, streams, consumers, bucket, lag, outbox, DLQ; exits 1 on any failure')
  .option('--lag-warning <n>', 'consumer lag that counts as a warning', nonNegativeInt, 1000)
  .option('--outbox-warning <n>', 'outbox backlog that counts as a warning', nonNegativeInt, 100)
  .action(
    withSystem(async (system, _admin, opts: { lagWarning: number; outboxWarning: number }) => {
      const checks = await doctor(system, opts);
      const failed = checks.some((c) => c.status === 'fail');
      print(renderChecks('tessera doctor', checks), { healthy: !failed, checks });
      process.exitCode = failed ? 1 : 0;
    }),
  );

program
  .command('handover')
  .description('shift-handover report: status, token activity, revocations, refused tokens, dead letters, consumer lag')
  .option('--hours <n>', 'the window to report on', nonNegativeInt, 8)
  .option('--audit-schema <name>', "the audit service's schema", 'audit')
  .action(
    withSystem(async (system, _admin, opts: { hours: number; auditSchema: string }) => {
      const report = await handover(system, opts);
      print(renderHandover(report), report);
    }),
  );

const tokens = program.command('tokens').description('tokens');
tokens
  .command('revoke <tokenId>')
  .description('revoke one token (a refresh token ends its whole session)')
  .option('--reason <text>', 'recorded with the revocation', 'revoked by an operator')
  .action(
    withSystem(async (_system, admin, tokenId: string, opts: { reason: string }) => {
      const result = await revokeToken(admin, tokenId, opts.reason);
      print(`revoked ${result.tokenId} (${result.revokedCount} token(s))`, result);
    }),
  );

const users = program.command('users').description('users');
users
  .command('logout-all <userId>')
  .description('sign a user out of every device')
  .action(
    withSystem(async (_system, admin, userId: string) => {
      const result = await logoutAll(admin, userId);
      print(`signed ${result.userId} out everywhere (${result.revokedCount} token(s) revoked)`, result);
    }),
  );

const keys = program.command('keys').description('signing keys');
keys
  .command('rotate')
  .description('rotate the signing key; tokens signed with the previous key stay valid until they expire')
  .option('--alg <alg>', 'ES256, EdDSA or RS256 (default: the current algorithm)')
  .action(
    withSystem(async (_system, admin, opts: { alg?: string }) => {
      const result = await rotateKeys(admin, opts.alg);
      print(`new signing key ${result.kid} (${result.alg}), signing from ${result.activatesAt}`, result);
    }),
  );

const audit = program.command('audit').description('audit projection');
audit
  .command('rebuild')
  .description('rebuild the audit projection from the event stream, with progress')
  .action(
    withSystem(async (_system, admin) => {
      const status = await rebuildAudit(admin, { progress: !json() && process.stdout.isTTY === true });
      print(`audit projection rebuilt: ${status.replayed} events replayed, ${status.rows ?? '?'} rows`, status);
    }),
  );

const dlq = program.command('dlq').description('dead letters');
dlq
  .command('list')
  .description('list dead-lettered messages')
  .option('--consumer <name>', 'only this consumer')
  .action(
    withSystem(async (system, _admin, opts: { consumer?: string }) => {
      const letters = await listDeadLetters(system, opts.consumer);
      const human = letters.length === 0 ? 'no dead letters' : letters.map((l) => `#${l.seq}  ${l.time}  ${l.consumer}  ${l.reason}  ${l.subject}  ${l.error}`).join('\n');
      print(human, letters);
    }),
  );
dlq
  .command('replay')
  .description('put dead letters back on their subject (after fixing the cause) and remove them from the DLQ')
  .option('--consumer <name>', 'only this consumer')
  .option('--seq <n>', 'only this dead letter', nonNegativeInt)
  .action(
    withSystem(async (system, _admin, opts: { consumer?: string; seq?: number }) => {
      const result = await replayDeadLetters(system, { ...opts, progress: !json() && process.stdout.isTTY === true });
      print(`replayed ${result.replayed} message(s)`, result);
    }),
  );

await program.parseAsync(process.argv);
