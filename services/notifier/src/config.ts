import { baseConfigSchema } from '@tessera/platform';
import { z } from 'zod';

export const NotifierConfig = baseConfigSchema.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(9103),
});
export type NotifierConfig = z.infer<typeof NotifierConfig>;
