// The tokens of one user as the page knows them, merging two sources that race: list reads
// (which may have started before a revocation) and pushes (which arrive at once). A session
// that a push or an action removed never comes back from an older read.
import type { ActiveToken, ServerMessage } from '@tessera/contracts';
import { applyPush, type PushResult } from './live.js';

export class SessionsStore {
  private tokens: ActiveToken[] | null = null;
  private readonly gone = new Set<string>();
  /** Tokens issued up to this instant were ended by a logout-all or password change. */
  private cutoffMs = Number.NEGATIVE_INFINITY;
  private readonly userId: string;

  constructor(userId: string) {
    this.userId = userId.toLowerCase();
  }

  get list(): ActiveToken[] | null {
    return this.tokens;
  }

  /** Takes a list read from the API, less whatever was removed since the read may have started. */
  load(items: readonly ActiveToken[]): ActiveToken[] {
    this.tokens = items.filter((t) => !this.gone.has(t.familyId.toLowerCase()) && Date.parse(t.createdAt) > this.cutoffMs);
    return this.tokens;
  }

  /** Applies a push about this user; null for pushes about someone else (an admin hears both). */
  push(message: ServerMessage): PushResult | null {
    if (!('userId' in message) || message.userId.toLowerCase() !== this.userId) return null;
    if (message.type === 'LOGOUT_ALL' || message.type === 'PASSWORD_CHANGED') {
      this.cutoffMs = Math.max(this.cutoffMs, Date.parse(message.at));
    }
    if (this.tokens === null) return { tokens: [], refetch: true, removedFamilies: [] };
    const result = applyPush(this.tokens, message);
    for (const family of result.removedFamilies) this.gone.add(family);
    this.tokens = result.tokens;
    return result;
  }

  /** After this page ended a session itself (the push will follow; the list need not wait). */
  removeFamily(familyId: string): void {
    const family = familyId.toLowerCase();
    this.gone.add(family);
    if (this.tokens) this.tokens = this.tokens.filter((t) => t.familyId.toLowerCase() !== family);
  }
}
