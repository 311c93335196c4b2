import { TOTP_ALGORITHM, TOTP_DIGITS, TOTP_PERIOD_SECONDS, type TotpEnrollRequest, type TotpEnrollResponse } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import type { Principal } from '../../commands/principal.js';
import type { TokenApiDeps } from '../../deps.js';
import { lockUser } from '../../repo/users.js';
import { decideStartEnrollment } from '../domain/factor.js';
import { qrCodeDataUrl } from '../qr.js';
import { factorState, readFactor, savePendingFactor } from '../repo.js';
import { sealTotpSecret } from '../secret-box.js';
import { mfaTrx } from '../tables.js';
import { base32Of, newTotpSecret, otpauthUri } from '../totp.js';
import { recheckPassword } from './reauth.js';

export const mfaAlreadyEnabled = () => new AppError(409, 'conflict', 'Two-step sign-in is already on: turn it off first to enrol a new authenticator');

/**
 * POST /api/v1/auth/mfa/totp: a new secret, sealed and stored as pending, returned once as the
 * key URI and its QR code. Nothing changes for logins until a code confirms it.
 */
export async function startTotpEnrollment(deps: TokenApiDeps, principal: Principal, input: TotpEnrollRequest): Promise<TotpEnrollResponse> {
  await recheckPassword(deps, principal, input.password, 'mfa_enroll');
  const secret = newTotpSecret();
  const outcome = await deps.db.transaction().execute(async (base) => {
    await lockUser(base, principal.userId);
    const trx = mfaTrx(base);
    const decided = decideStartEnrollment(factorState(await readFactor(trx, principal.userId)));
    if (decided.ok) await savePendingFactor(trx, principal.userId, sealTotpSecret(deps.secretsKek, principal.userId, secret), new Date(deps.clock()));
    return decided;
  });
  if (!outcome.ok) throw mfaAlreadyEnabled();
  logSecurityEvent(deps.logger, 'mfa_enrollment_started', { user_id: principal.userId });
  const uri = otpauthUri(secret, deps.config.MFA_TOTP_ISSUER, principal.email);
  return { method: 'totp', otpauthUri: uri, qrCode: await qrCodeDataUrl(uri), secret: base32Of(secret), algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS };
}

