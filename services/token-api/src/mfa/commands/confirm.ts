import type { TotpConfirmRequest, TotpConfirmResponse } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import type { Principal } from '../../commands/principal.js';
import { idsAt, type TokenApiDeps } from '../../deps.js';
import type { ClientContext } from '../../domain/model.js';
import { appendEvents } from '../../outbox/append.js';
import { lockUser } from '../../repo/users.js';
import { decideConfirmEnrollment } from '../domain/factor.js';
import { newRecoveryCodes, recoveryCodeHash } from '../recovery-codes.js';
import { activateFactor, factorState, readFactor, replaceRecoveryCodes, resetKnownDevices } from '../repo.js';
import { openTotpSecret } from '../secret-box.js';
import { invalidMfaCode } from '../second-factor.js';
import { mfaTrx } from '../tables.js';
import { matchTotp } from '../totp.js';
import { mfaAlreadyEnabled } from './enroll.js';

/**
 * POST /api/v1/auth/mfa/totp/confirm: a code from the app activates the pending secret. The
 * answer carries the recovery codes, the only time they exist outside their hashes. From now on
 * only this device (and country) is known: every other one gives the code once.
 */
export async function confirmTotp(deps: TokenApiDeps, principal: Principal, input: TotpConfirmRequest, client: ClientContext, country: string | null): Promise<TotpConfirmResponse> {
  const codes = newRecoveryCodes();
  const result = await deps.db.transaction().execute(async (base) => {
    await lockUser(base, principal.userId);
    const trx = mfaTrx(base);
    const now = deps.clock();
    const row = await readFactor(trx, principal.userId);
    const matchedStep = row?.status === 'pending' ? matchTotp(openTotpSecret(deps.secretsKek, row), input.code, now) : null;
    const context = { userId: principal.userId, actor: { kind: 'user' as const, id: principal.userId }, client, now, nextId: idsAt(now) };
    const outcome = decideConfirmEnrollment(factorState(row), matchedStep, codes.length, context);
    if (!outcome.ok) return outcome;
    await activateFactor(trx, principal.userId, outcome.step, new Date(now));
    await replaceRecoveryCodes(trx, principal.userId, codes.map(recoveryCodeHash), new Date(now));
    await resetKnownDevices(trx, principal.userId, client.fingerprint, country, new Date(now));
    return { ...outcome, enabledAt: now, entries: await appendEvents(base, deps.topology, outcome.events) };
  });
  if (!result.ok) {
    switch (result.reason) {
      case 'already_enabled':
        throw mfaAlreadyEnabled();
      case 'not_pending':
        throw new AppError(409, 'conflict', 'No enrollment to confirm: start one with POST /api/v1/auth/mfa/totp');
      case 'wrong_code':
        throw invalidMfaCode();
      default: {
        const unreachable: never = result.reason;
        throw new TypeError(`unknown reason ${String(unreachable)}`);
      }
    }
  }
  deps.afterCommit(result.entries);
  logSecurityEvent(deps.logger, 'mfa_enabled', { user_id: principal.userId, client_ip: client.ip, method: 'totp' });
  return { method: 'totp', enabledAt: new Date(result.enabledAt).toISOString(), recoveryCodes: codes };
}
