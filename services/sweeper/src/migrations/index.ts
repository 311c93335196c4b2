import type { Migration } from 'kysely';

/** Frozen migrations, applied in name order at start (DESIGN §2: schema `sweeper`). */
export const migrations: Record<string, Migration> = {};
