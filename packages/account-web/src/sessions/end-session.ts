// Ending a session from the list: revoke its refresh token (DESIGN §5: that revokes the whole
// family). The list may be a little old: if the device rotated its refresh token since the
// last read, the id we hold is already gone (404); re-read and try the current one.
import { ApiError } from '../api/failure.js';
import type { SessionView } from './group.js';

const isNotFound = (error: unknown) => error instanceof ApiError && error.failure.kind === 'not_found';

async function revokeFirstLive(revoke: (tokenId: string) => Promise<unknown>, tokenIds: readonly string[]): Promise<boolean> {
  for (const tokenId of tokenIds) {
    try {
      await revoke(tokenId);
      return true;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  return false;
}

/**
 * Resolves once the session is ended (or found already gone); rejects with the API's failure
 * otherwise. `reread` returns the current sessions of the same user.
 */
export async function endSession(
  target: SessionView,
  revoke: (tokenId: string) => Promise<unknown>,
  reread: () => Promise<SessionView[] | null>,
): Promise<void> {
  if (await revokeFirstLive(revoke, target.refreshTokenIds)) return;
  const fresh = (await reread())?.find((s) => s.familyId === target.familyId);
  // Not listed any more: it ended by itself (expiry, another admin) while we looked.
  if (!fresh) return;
  if (await revokeFirstLive(revoke, fresh.refreshTokenIds)) return;
  throw new ApiError({ kind: 'not_found' });
}
