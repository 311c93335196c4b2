import { baseConfigSchema, databaseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

export const AuditConfig = baseConfigSchema.extend(databaseConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9104),
  DATABASE_SCHEMA: databaseConfigSchema.shape.DATABASE_SCHEMA.default('audit'),
});
export type AuditConfig = z.infer<typeof AuditConfig>;
