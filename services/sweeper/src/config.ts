import { baseConfigSchema, databaseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

export const SweeperConfig = baseConfigSchema.extend(databaseConfigSchema.shape).extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9105),
  DATABASE_SCHEMA: databaseConfigSchema.shape.DATABASE_SCHEMA.default('sweeper'),
});
export type SweeperConfig = z.infer<typeof SweeperConfig>;
