import { z } from 'zod';

/**
 * Configuration is read once, in `main`, from the environment. A bad or missing variable stops the
 * process with one line that names it, so an operator never has to read a stack trace to find a
 * typo in a deployment manifest.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly variable: string, readonly problem: string) {
    super(`invalid configuration: ${variable}: ${problem}`);
  }
}

/** Variables every Tessera service reads. Service schemas extend this one. */
export const baseConfigSchema = z.object({
  SERVICE_NAME: z.string().min(1).max(64).optional(),
  PORT: z.coerce.number().int().min(0).max(65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** Prefix for every stream, bucket and subject, so several deployments (or test runs) can share one NATS. Empty in production. */
  NATS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/, 'letters, digits, _ and - only (at most 32)')
    .default(''),
  /** TOKEN_EVENTS max age: at least the longest refresh-token lifetime (DESIGN §3). */
  EVENTS_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Stream and bucket replicas: 1 on one server, 3 on a JetStream cluster. */
  NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Graceful-shutdown budget: HTTP and NATS drain within this, then the process exits anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export const databaseConfigSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/test'),
  /** The service's own schema (DESIGN §2); each service has its default. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _ only').optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});

/** A boolean from the environment: only the spellings an operator would write are accepted. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Parses `env` with `schema`; throws ConfigError naming the first offending variable. */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Empty strings count as unset, as they do in most deployment tools' templates.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)';
  const problem = cleaned[variable] === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message;
  throw new ConfigError(variable, problem);
}

/**
 * For `main`: parse or print one line on stderr and exit 78 (EX_CONFIG).
 */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** The topology settings every service derives from its base config. */
export function topologySettings(config: z.infer<typeof baseConfigSchema>) {
  return { namespace: config.NATS_NAMESPACE, eventsMaxAgeMs: config.EVENTS_MAX_AGE_DAYS * 86_400_000, replicas: config.NATS_REPLICAS };
}
