/**
 * Runbook commands for token-api, against the database (and NATS) named by the same environment
 * as the service:
 *
 *   pnpm --filter @tessera/token-api cli create-admin --email ops@example.com   (password: ADMIN_PASSWORD or stdin)
 *   pnpm --filter @tessera/token-api cli rotate-keys [--alg ES256|EdDSA|RS256]
 *   pnpm --filter @tessera/token-api cli set-countries --email a@example.com --countries FR,DE   (--countries '' clears)
 *
 * Arguments are parsed with node:util parseArgs: three commands with two flags each do not
 * justify a CLI framework dependency.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CountryCode, Email, JwtAlg, NewPassword } from '@tessera/contracts';
import { ConfigError, createDatabase, createLogger, loadConfig, migrateToLatest, Topology, topologySettings, type Logger } from '@tessera/platform';
import { registerUser } from './commands/register.js';
import { rotateSigningKey } from './commands/rotate-keys.js';
import { TokenApiConfig } from './config.js';
import type { TokenApiDatabase } from './db/schema.js';
import { migrations } from './migrations/index.js';
import type { OutboxEntry } from './outbox/append.js';
import { publishOnce } from './outbox/publish-once.js';
import { findUserByEmail, setAllowedCountries } from './repo/users.js';
import { PasswordHasher } from './secrets/passwords.js';
import { keyEncryptionKey } from './signing/setup.js';

class UsageError extends Error {}

async function readPassword(): Promise<string> {
  const fromEnv = process.env.ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new UsageError('no password: set ADMIN_PASSWORD or pipe it on stdin');
}

/** Parses a flag value; a bad one is a usage error (exit 1), not a failure. */
function valid<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new UsageError(`invalid ${what}: ${JSON.stringify(value)}`);
  return result.data;
}

function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`missing --${flag}`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { email: { type: 'string' }, alg: { type: 'string' }, countries: { type: 'string' } },
  });
  const command = positionals[0];
  if (!command || !['create-admin', 'rotate-keys', 'set-countries'].includes(command)) {
    throw new UsageError('usage: cli create-admin --email <email> | rotate-keys [--alg ES256|EdDSA|RS256] | set-countries --email <email> --countries FR,DE');
  }
  // ADMIN_EMAIL/ADMIN_PASSWORD configure the service's bootstrap; here the password is input.
  const config = loadConfig(TokenApiConfig, { ...process.env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined });
  const logger: Logger = createLogger({ service: 'token-api-cli', level: config.LOG_LEVEL, destination: process.stderr });
  const database = createDatabase<TokenApiDatabase>({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, applicationName: 'token-api-cli' });
  try {
    await migrateToLatest(database.db, database.schema, migrations, logger);
    const db = database.db;
    switch (command) {
      case 'create-admin': {
        const email = valid(Email, required(values.email, 'email'), '--email');
        const password = NewPassword.safeParse(await readPassword());
        if (!password.success) throw new UsageError('password must be 8 to 128 characters');
        const passwords = await PasswordHasher.create({ memoryKib: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST, parallelism: config.ARGON2_PARALLELISM });
        const user = await registerUser({ db, passwords, logger, clock: Date.now }, { email, password: password.data }, 'admin', 'cli');
        process.stdout.write(`${JSON.stringify(user)}\n`);
        return 0;
      }
      case 'rotate-keys': {
        if (config.JWT_PRIVATE_KEY_FILE) throw new UsageError('signing keys come from JWT_PRIVATE_KEY_FILE: rotate them by replacing the files');
        const alg = valid(JwtAlg, values.alg ?? config.JWT_ALG, '--alg');
        const committed: OutboxEntry[] = [];
        const topology = new Topology(topologySettings(config));
        const result = await rotateSigningKey(
          { db, topology, logger, clock: Date.now, afterCommit: (entries) => committed.push(...entries), kek: keyEncryptionKey(config, logger), activationDelayMs: config.KEY_ACTIVATION_DELAY_SECONDS * 1000 },
          alg,
          { kind: 'system', id: 'cli' },
        );
        const published = await publishOnce(config.NATS_URL, db, committed, logger);
        process.stdout.write(`${JSON.stringify({ ...result, eventPublished: published })}\n`);
        return 0;
      }
      case 'set-countries': {
        const email = valid(Email, required(values.email, 'email'), '--email');
        const raw = required(values.countries, 'countries');
        const countries = raw.split(',').map((c) => c.trim().toUpperCase()).filter(Boolean).map((c) => valid(CountryCode, c, 'country (ISO 3166-1 alpha-2)'));
        const user = await findUserByEmail(db, email);
        if (!user) throw new UsageError(`no account for ${email}`);
        await setAllowedCountries(db, user.id, countries, new Date());
        process.stdout.write(`${JSON.stringify({ id: user.id, email, allowedCountries: countries })}\n`);
        return 0;
      }
      default:
        return 2;
    }
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof UsageError || error instanceof ConfigError || (error as { code?: string }).code === 'conflict';
    const message = known ? (error as Error).message : `failed: ${(error as Error)?.message ?? String(error)}`;
    process.stderr.write(`token-api cli: ${message}\n`);
    process.exit(known ? 1 : 2);
  },
);
