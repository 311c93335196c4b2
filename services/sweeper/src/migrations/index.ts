import type { Migration } from 'kysely';
import { migration as expirySchedule } from './2026_11_22_0001_expiry_schedule.js';

/** Frozen migrations, applied in name order at start (DESIGN §2: schema `sweeper`). */
export const migrations: Record<string, Migration> = {
  '2026_11_22_0001_expiry_schedule': expirySchedule,
};
