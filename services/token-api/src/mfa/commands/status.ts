import type { MfaStatusResponse } from '@tessera/contracts';
import type { Principal } from '../../commands/principal.js';
import type { TokenApiDeps } from '../../deps.js';
import { countUnusedRecoveryCodes, readFactor } from '../repo.js';
import { mfaDb } from '../tables.js';

/** GET /api/v1/auth/mfa: what the account page shows. */
export async function mfaStatus(deps: TokenApiDeps, principal: Principal): Promise<MfaStatusResponse> {
  const db = mfaDb(deps.db);
  const [factor, remaining] = await Promise.all([readFactor(db, principal.userId), countUnusedRecoveryCodes(db, principal.userId)]);
  const status = factor?.status === 'active' ? 'enabled' : factor?.status === 'pending' ? 'pending' : 'disabled';
  return { totp: status, enabledAt: factor?.enabled_at?.toISOString() ?? null, recoveryCodesRemaining: status === 'enabled' ? remaining : 0 };
}
