// userId → email for introspection's `username`, so a repeat introspection needs no database
// read. Emails never change in Tessera (no endpoint changes one), so entries only leave by the
// size bound (oldest first).
import type { Kysely } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';

export class UserEmails {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly db: Kysely<TokenApiDatabase>,
    private readonly maxEntries = 100_000,
  ) {}

  /** Synchronous hit, or undefined (then call `load`). */
  cached(userId: string): string | undefined {
    return this.known.get(userId);
  }

  async load(userId: string): Promise<string | undefined> {
    const hit = this.known.get(userId);
    if (hit !== undefined) return hit;
    const row = await this.db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst();
    if (row) this.remember(userId, row.email);
    return row?.email;
  }

  remember(userId: string, email: string): void {
    if (this.known.size >= this.maxEntries) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
    this.known.set(userId, email);
  }
}
