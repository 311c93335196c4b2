import type { TotpDisableRequest } from '@tessera/contracts';
import { logSecurityEvent } from '@tessera/platform';
import type { Principal } from '../../commands/principal.js';
import { idsAt, type TokenApiDeps } from '../../deps.js';
import type { ClientContext } from '../../domain/model.js';
import { appendEvents } from '../../outbox/append.js';
import { lockUser } from '../../repo/users.js';
import { decideDisable } from '../domain/factor.js';
import { deleteFactor } from '../repo.js';
import { blockedNow, checkCode, codeRefusalError, countCodeFailure } from '../second-factor.js';
import { mfaTrx } from '../tables.js';
import { recheckPassword } from './reauth.js';

/**
 * DELETE /api/v1/auth/mfa/totp: the password and a current code (a recovery code too, for a lost
 * phone). The code in the body is the "recent second factor" this sensitive call requires: it is
 * fresher than any token's amr, and it works from a device where no code was ever asked.
 * MfaDisabled reaches the user's other sessions as MFA_DISABLED.
 */
export async function disableTotp(deps: TokenApiDeps, principal: Principal, input: TotpDisableRequest, client: ClientContext): Promise<void> {
  await recheckPassword(deps, principal, input.password, 'mfa_disable');
  const attempt = { userId: principal.userId, email: principal.email, code: input.code, client };
  const result = await deps.db.transaction().execute(async (base) => {
    await lockUser(base, principal.userId);
    const trx = mfaTrx(base);
    const now = deps.clock();
    const blocked = await blockedNow(base, attempt, now);
    if (blocked) return { kind: 'blocked' as const, blocked };
    const context = { userId: principal.userId, actor: { kind: 'user' as const, id: principal.userId }, client, now, nextId: idsAt(now) };
    const { state, check } = await checkCode(deps, trx, { ...attempt, context });
    const outcome = decideDisable(state, check, context);
    if (!outcome.ok) {
      if (outcome.reason === 'not_enrolled') return { kind: 'not_enrolled' as const };
      return { kind: 'refused' as const, reason: outcome.reason, ...(await countCodeFailure(deps, base, attempt, now)) };
    }
    await deleteFactor(trx, principal.userId);
    return { kind: 'disabled' as const, entries: await appendEvents(base, deps.topology, outcome.events) };
  });
  if (result.kind !== 'disabled') throw codeRefusalError(deps, attempt, result, 'mfa_disable');
  deps.afterCommit(result.entries);
  logSecurityEvent(deps.logger, 'mfa_disabled', { user_id: principal.userId, client_ip: client.ip, method: input.code.kind });
}
