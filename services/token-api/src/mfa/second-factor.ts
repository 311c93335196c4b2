// A presented second factor, checked inside the transaction that holds the user's row lock: the
// lockout is read, the code matched (TOTP step or recovery hash), the replay guard advanced, and
// a failure counted toward the same lockout as a wrong password — all serialised per user, so
// parallel guesses cannot slip past the count.
import type { MfaCode } from '@tessera/contracts';
import type { Transaction } from 'kysely';
import type { TokenApiDatabase } from '../db/schema.js';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { accountPolicy, ipPolicy, type TokenApiDeps } from '../deps.js';
import type { ClientContext } from '../domain/model.js';
import { checkThrottle } from '../domain/throttle.js';
import { emailThrottleKey, ipThrottleKey, tooManyAttempts } from '../commands/login.js';
import { countFailureIn, readThrottle } from '../repo/throttle.js';
import { decidePresentedCode, type CodeCheck, type CodeOutcome, type FactorState } from './domain/factor.js';
import type { EventContext } from './domain/events.js';
import { recoveryCodeHash } from './recovery-codes.js';
import { countUnusedRecoveryCodes, factorState, readFactor, setLastUsedStep, spendRecoveryCode } from './repo.js';
import { openTotpSecret } from './secret-box.js';
import type { MfaTrx } from './tables.js';
import { matchTotp } from './totp.js';

export const invalidMfaCode = () => new AppError(401, 'invalid_mfa_code', 'The code is not valid');

export interface Attempt {
  userId: string;
  email: string;
  code: MfaCode;
  client: ClientContext;
  context: EventContext;
}

export type Blocked = { code: 'account_locked' | 'rate_limited'; retryAfterSeconds: number };

/** The lockout (email) or address throttle in force now, read under the user's lock. */
export async function blockedNow(trx: Transaction<TokenApiDatabase>, attempt: Pick<Attempt, 'email' | 'client'>, now: number): Promise<Blocked | null> {
  const emailKey = emailThrottleKey(attempt.email);
  const ipKey = ipThrottleKey(attempt.client.ip);
  const throttles = await readThrottle(trx, [emailKey, ipKey]);
  for (const [key, code] of [[ipKey, 'rate_limited'], [emailKey, 'account_locked']] as const) {
    const check = checkThrottle(throttles.get(key) ?? null, now);
    if (check.blocked) return { code, retryAfterSeconds: check.retryAfterSeconds };
  }
  return null;
}

export const blockedError = (blocked: Blocked) => tooManyAttempts(blocked.code, blocked.retryAfterSeconds);

export const mfaNotEnabled = () => new AppError(409, 'conflict', 'Two-step sign-in is not on for this account');

/** Why a signed-in user's code (a step-up, turning MFA off) did not pass, as decided in its transaction. */
export type CodeRefusal =
  | { kind: 'blocked'; blocked: Blocked }
  | { kind: 'not_enrolled' }
  | ({ kind: 'refused'; reason: string } & Awaited<ReturnType<typeof countCodeFailure>>);

/** After the transaction: the answer for a refusal (refused codes also log and count, see refusedCode). */
export function codeRefusalError(deps: Pick<TokenApiDeps, 'logger' | 'metrics'>, attempt: Pick<Attempt, 'userId' | 'client'>, refusal: CodeRefusal, where: string): AppError {
  switch (refusal.kind) {
    case 'blocked':
      return blockedError(refusal.blocked);
    case 'not_enrolled':
      return mfaNotEnabled();
    case 'refused':
      return refusedCode(deps, attempt, refusal, where);
    default: {
      const unreachable: never = refusal;
      throw new TypeError(`unhandled ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * What the code matches for the user's active factor: the TOTP step, or a recovery code — spent
 * here by a conditional update, so two requests can never both use one code.
 */
export async function checkCode(deps: Pick<TokenApiDeps, 'secretsKek'>, trx: MfaTrx, attempt: Pick<Attempt, 'userId' | 'code' | 'context'>): Promise<{ state: FactorState; check: CodeCheck }> {
  const { userId, code, context } = attempt;
  const row = await readFactor(trx, userId);
  const state = factorState(row);
  if (code.kind === 'totp') {
    return { state, check: { kind: 'totp', matchedStep: row && state.status === 'active' ? matchTotp(openTotpSecret(deps.secretsKek, row), code.code, context.now) : null } };
  }
  const matched = state.status === 'active' && (await spendRecoveryCode(trx, userId, recoveryCodeHash(code.code), new Date(context.now)));
  return { state, check: { kind: 'recovery', matched, remainingAfterUse: matched ? await countUnusedRecoveryCodes(trx, userId) : 0 } };
}

/** The code as the second factor of a login or a step-up; an accepted TOTP step becomes the replay floor. */
export async function presentCode(deps: Pick<TokenApiDeps, 'secretsKek'>, trx: MfaTrx, attempt: Pick<Attempt, 'userId' | 'code' | 'context'>): Promise<CodeOutcome> {
  const { state, check } = await checkCode(deps, trx, attempt);
  const outcome = decidePresentedCode(state, check, attempt.context);
  if (outcome.ok && outcome.method === 'totp') await setLastUsedStep(trx, attempt.userId, outcome.step);
  return outcome;
}

/** A refused code counts like a wrong password: on the account's lockout and the address's throttle. */
export async function countCodeFailure(deps: Pick<TokenApiDeps, 'config'>, trx: Transaction<TokenApiDatabase>, attempt: Pick<Attempt, 'email' | 'client'>, now: number): Promise<{ lockedNow: boolean; failures: number }> {
  const account = await countFailureIn(trx, emailThrottleKey(attempt.email), now, accountPolicy(deps.config));
  await countFailureIn(trx, ipThrottleKey(attempt.client.ip), now, ipPolicy(deps.config));
  return { lockedNow: account.lockedNow, failures: account.state.failures };
}

/** After the transaction that counted it: the security log lines and the answer for a refused code. */
export function refusedCode(deps: Pick<TokenApiDeps, 'logger' | 'metrics'>, attempt: Pick<Attempt, 'userId' | 'client'>, refusal: { reason: string; lockedNow: boolean; failures: number }, where: string): AppError {
  deps.metrics.loginFailure.inc({ reason: 'invalid_mfa_code' });
  logSecurityEvent(deps.logger, 'mfa_failure', { user_id: attempt.userId, client_ip: attempt.client.ip, reason: refusal.reason, where });
  if (refusal.lockedNow) logSecurityEvent(deps.logger, 'account_lockout', { user_id: attempt.userId, client_ip: attempt.client.ip, failures: refusal.failures, cause: 'mfa_code' });
  return invalidMfaCode();
}
