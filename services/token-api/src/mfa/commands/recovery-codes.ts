import { RECOVERY_CODE_COUNT } from '@tessera/contracts';
import { logSecurityEvent } from '@tessera/platform';
import type { Principal } from '../../commands/principal.js';
import type { TokenApiDeps } from '../../deps.js';
import { lockUser } from '../../repo/users.js';
import { newRecoveryCodes, recoveryCodeHash } from '../recovery-codes.js';
import { readFactor, replaceRecoveryCodes } from '../repo.js';
import { mfaTrx } from '../tables.js';
import { mfaNotEnabled } from '../second-factor.js';

/**
 * POST /api/v1/auth/mfa/recovery-codes: a new set of codes; every earlier code stops working.
 * The route requires a recent second factor (requireRecentOtp): the codes are one.
 */
export async function regenerateRecoveryCodes(deps: TokenApiDeps, principal: Principal): Promise<{ recoveryCodes: string[] }> {
  const codes = newRecoveryCodes(RECOVERY_CODE_COUNT);
  const replaced = await deps.db.transaction().execute(async (base) => {
    await lockUser(base, principal.userId);
    const trx = mfaTrx(base);
    if ((await readFactor(trx, principal.userId))?.status !== 'active') return false;
    await replaceRecoveryCodes(trx, principal.userId, codes.map(recoveryCodeHash), new Date(deps.clock()));
    return true;
  });
  if (!replaced) throw mfaNotEnabled();
  logSecurityEvent(deps.logger, 'recovery_codes_regenerated', { user_id: principal.userId });
  return { recoveryCodes: codes };
}
