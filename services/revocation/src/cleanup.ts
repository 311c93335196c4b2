// Removes `jti` entries whose token has expired. On nats-server ≥ 2.11 per-key TTLs do this by
// themselves; on older servers the bucket's max_age (the longest token lifetime) bounds every
// entry, and this pass frees revoked access tokens as soon as they can no longer be presented.
import type { RevocationMirror } from '@tessera/verifier';
import type { RevocationStore } from './store.js';

/** Deletes every listed token whose `exp` has passed; returns how many this pass removed. */
export async function removeExpiredTokens(mirror: RevocationMirror, store: RevocationStore, now: number): Promise<number> {
  const expired: Array<{ key: string; revision: number }> = [];
  for (const [tokenId, stored] of mirror.tokenEntries()) {
    // exp 0 marks an entry whose value could not be read: leave it to max_age.
    if (stored.value.exp > 0 && stored.value.exp * 1000 <= now) expired.push({ key: `jti.${tokenId}`, revision: stored.revision });
  }
  let removed = 0;
  // Compare-and-delete at the mirrored revision: an entry rewritten since is left alone, and a
  // replica racing us on the same entry removes it once between the two of us.
  for (const { key, revision } of expired) if ((await store.deleteAtRevision(key, revision)) === 'written') removed++;
  return removed;
}
