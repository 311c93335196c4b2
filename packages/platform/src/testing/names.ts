import { randomBytes } from 'node:crypto';

/** A short random suffix, valid in schema, stream, bucket and subject names. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

/** e.g. uniqueName('audit') → 'audit_3f9a0c1d2e' (lowercase, safe as a Postgres schema name). */
export function uniqueName(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_${uniqueSuffix()}`;
}
