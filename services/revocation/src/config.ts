import { baseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

export const RevocationConfig = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9102),
});
export type RevocationConfig = z.infer<typeof RevocationConfig>;
