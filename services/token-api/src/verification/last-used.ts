// auth_tokens.last_used_at without a write per request: uses are coalesced in memory (one entry
// per token, the latest instant) and written every few seconds in ONE statement over unnest().
// A crash loses at most one interval of "last used" precision, never a token's state.
import { sql, type Kysely } from 'kysely';
import type { Logger } from '@tessera/platform';
import type { TokenApiDatabase } from '../db/schema.js';

/** Past this many distinct tokens pending, a flush starts at once instead of at the next tick. */
const EAGER_FLUSH_AT = 50_000;

export class LastUsedTracker {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private queued = false;
  /** After a failed write, no eager flush before the next tick (no retry storm while the DB is down). */
  private eagerAfter = 0;

  constructor(
    private readonly db: Kysely<TokenApiDatabase>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Records a use; O(1), never waits. */
  touch(tokenId: string, at: number): void {
    const previous = this.pending.get(tokenId);
    if (previous === undefined || previous < at) this.pending.set(tokenId, at);
    if (this.pending.size >= EAGER_FLUSH_AT && at >= this.eagerAfter) void this.flush();
  }

  /** A use not written yet, so reads can show it before the flush. */
  peek(tokenId: string): number | undefined {
    return this.pending.get(tokenId);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Writes what is pending now; flushes run one after another. */
  flush(): Promise<void> {
    if (this.queued) return this.flushing;
    this.queued = true;
    this.flushing = this.flushing.then(() => {
      this.queued = false;
      return this.write();
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    const instants = ids.map((id) => new Date(batch.get(id)!));
    try {
      // Never moves backwards: another replica may have written a later use.
      await sql`
        update auth_tokens as t set last_used_at = u.at
        from unnest(${ids}::uuid[], ${instants}::timestamptz[]) as u(id, at)
        where t.id = u.id and (t.last_used_at is null or t.last_used_at < u.at)`.execute(this.db);
    } catch (error) {
      // Keep the uses for the next tick (newer ones recorded meanwhile win).
      for (const [id, at] of batch) if ((this.pending.get(id) ?? 0) < at) this.pending.set(id, at);
      this.eagerAfter = Date.now() + this.intervalMs;
      this.logger.warn({ err: error, tokens: ids.length }, 'last_used_at flush failed; retrying at the next interval');
    }
  }
}
