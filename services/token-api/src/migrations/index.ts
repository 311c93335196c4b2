import type { Migration } from 'kysely';
import { migration as tokenApi0001 } from './2026_11_22_0001_token_api.js';
import { migration as tokenApi0002 } from './2026_11_22_0002_token_management.js';
import { migration as tokenApi0003 } from './2026_11_22_0003_retention_indexes.js';
import { migration as tokenApi0004 } from './2026_11_22_0004_mfa.js';

/** Frozen migrations, applied in name order at start (DESIGN §2: schema `token_api`). */
export const migrations: Record<string, Migration> = {
  '2026_11_22_0001_token_api': tokenApi0001,
  '2026_11_22_0002_token_management': tokenApi0002,
  '2026_11_22_0003_retention_indexes': tokenApi0003,
  '2026_11_22_0004_mfa': tokenApi0004,
};
