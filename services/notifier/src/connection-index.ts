/**
 * Which sockets care about which user, so one event costs O(sockets of that user), never a scan
 * of every socket. A socket is indexed under its own user (for the close rules) and under each
 * user it subscribed to (admins may subscribe to others).
 */
export class ConnectionIndex<C> {
  private readonly byUser = new Map<string, Set<C>>();

  add(userId: string, connection: C): void {
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(connection);
  }

  remove(userId: string, connection: C): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.byUser.delete(userId);
  }

  connectionsOf(userId: string): ReadonlySet<C> {
    return this.byUser.get(userId) ?? EMPTY;
  }

  countOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }
}

const EMPTY: ReadonlySet<never> = new Set();
