import type { Logger } from '@tessera/platform';

export interface SweepLoopOptions {
  /** One pass; resolves true when work may be left (a full batch), so the next runs at once. */
  pass: () => Promise<boolean>;
  intervalMs: number;
  logger: Logger;
  /** Workers running `pass` side by side (they share rows through SKIP LOCKED); default 1. */
  concurrency?: number;
  now?: () => number;
}

export interface SweepLoopStatus {
  running: boolean;
  lastPassAt: string | null;
  /** The last pass's error message, cleared by the next pass that succeeds. */
  lastError: string | null;
}

/**
 * Runs `pass` forever: again at once while it reports more work, otherwise after `intervalMs`.
 * A failing pass (NATS or Postgres down) is logged and retried at the next interval; nothing is
 * lost, since a failed batch rolls back. `stop()` wakes a sleeping loop and waits for the pass in
 * progress to finish, so shutdown never abandons a half-published batch.
 *
 * With `concurrency` > 1, several workers run this loop at once: one takes and deletes rows in
 * Postgres while another waits for JetStream acks, so neither side idles during a backlog.
 */
export class SweepLoop {
  private stopping = false;
  private done: Promise<void> | null = null;
  private readonly sleepers = new Set<() => void>();
  private lastPassAt: number | null = null;
  private lastError: string | null = null;
  private readonly now: () => number;

  constructor(private readonly options: SweepLoopOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    const workers = Math.max(1, this.options.concurrency ?? 1);
    this.done ??= Promise.all(Array.from({ length: workers }, () => this.run())).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    await this.done;
  }

  status(): SweepLoopStatus {
    return {
      running: this.done !== null && !this.stopping,
      lastPassAt: this.lastPassAt === null ? null : new Date(this.lastPassAt).toISOString(),
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let more = false;
      try {
        more = await this.options.pass();
        this.lastPassAt = this.now();
        this.lastError = null;
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        this.options.logger.warn({ err: error }, 'sweep pass failed, retrying at the next interval');
      }
      if (!more && !this.stopping) await this.sleep(this.options.intervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.sleepers.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.sleepers.add(finish);
    });
  }
}
