// An admin signing another user out everywhere is the most damaging thing a stolen admin token
// can do, so it may require a recent second factor (issue 13). MFA_ADMIN_STEP_UP decides when:
//   off       never;
//   enrolled  when the admin has two-step sign-in on (the default: a stolen token of an enrolled
//             admin is not enough, and admins who never enrolled keep working);
//   always    always: an admin without two-step sign-in cannot do it until they enrol.
import type { Request, Response } from 'express';
import type { Principal } from '../commands/principal.js';
import type { TokenApiDeps } from '../deps.js';
import { assertRecentOtp } from './recent-otp.js';
import { readFactor } from './repo.js';
import { mfaDb } from './tables.js';

export type AdminStepUpPolicy = TokenApiDeps['config']['MFA_ADMIN_STEP_UP'];

/** Pure: whether this policy asks an admin in this enrollment state for a recent second factor. */
export function adminStepUpApplies(policy: AdminStepUpPolicy, adminEnrolled: boolean): boolean {
  return policy === 'always' || (policy === 'enrolled' && adminEnrolled);
}

/**
 * Throws the RFC 9470 challenge (401 insufficient_user_authentication) when the policy asks this
 * admin for a recent otp and the bearer token of the request has none. Call after bearer
 * authentication, for admin actions only.
 */
export async function assertAdminStepUp(deps: Pick<TokenApiDeps, 'config' | 'clock' | 'db'>, req: Request, res: Response, admin: Principal): Promise<void> {
  const policy = deps.config.MFA_ADMIN_STEP_UP;
  if (policy === 'off') return;
  // 'always' needs no lookup; 'enrolled' asks whether the admin's factor is active.
  const enrolled = policy === 'enrolled' && (await readFactor(mfaDb(deps.db), admin.userId))?.status === 'active';
  if (adminStepUpApplies(policy, enrolled)) assertRecentOtp(deps, req, res);
}
