import { baseConfigSchema, databaseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

export const TokenApiConfig = baseConfigSchema.extend(databaseConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9101),
  DATABASE_SCHEMA: databaseConfigSchema.shape.DATABASE_SCHEMA.default('token_api'),
});
export type TokenApiConfig = z.infer<typeof TokenApiConfig>;
