import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/failure.js';
import { FAMILY_A, token } from '../testing/tokens.js';
import { endSession } from './end-session.js';
import { groupSessions } from './group.js';

const old = token({ familyId: FAMILY_A, tokenType: 'REFRESH' });
const rotated = token({ familyId: FAMILY_A, tokenType: 'REFRESH' });
const [listed] = groupSessions([old], null);

/** token-api as far as revocation goes: ids it knows as live, 404 for the rest. */
function revoker(live: string[]) {
  const calls: string[] = [];
  const revoke = async (tokenId: string) => {
    calls.push(tokenId);
    if (!live.includes(tokenId)) throw new ApiError({ kind: 'not_found' }, 404);
    return { tokenId, revoked: true, revokedCount: 2 };
  };
  return { calls, revoke };
}

describe('endSession', () => {
  it('revokes the session through its refresh token', async () => {
    const api = revoker([old.tokenId]);
    await endSession(listed!, api.revoke, async () => null);
    expect(api.calls).toEqual([old.tokenId]);
  });

  it('re-reads and revokes the current refresh token when the device rotated since the list was read', async () => {
    const api = revoker([rotated.tokenId]);
    await endSession(listed!, api.revoke, async () => groupSessions([rotated], null));
    expect(api.calls).toEqual([old.tokenId, rotated.tokenId]);
  });

  it('is done when the session is no longer listed at all', async () => {
    const api = revoker([]);
    await expect(endSession(listed!, api.revoke, async () => [])).resolves.toBeUndefined();
  });

  it('passes on any other failure', async () => {
    const failing = async () => {
      throw new ApiError({ kind: 'forbidden' }, 403);
    };
    await expect(endSession(listed!, failing, async () => null)).rejects.toMatchObject({ failure: { kind: 'forbidden' } });
  });
});
