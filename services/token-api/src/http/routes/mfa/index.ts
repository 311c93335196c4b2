import type { Express } from 'express';
import type { TokenApiDeps } from '../../../deps.js';
import { confirmTotpRoute } from './confirm.js';
import { disableTotpRoute } from './disable.js';
import { enrollTotpRoute } from './enroll.js';
import { loginMfaRoute } from './login-mfa.js';
import { recoveryCodesRoute } from './recovery-codes.js';
import { mfaStatusRoute } from './status.js';
import { stepUpRoute } from './step-up.js';

/** Multi-factor login (issue 13): TOTP enrollment, the second login step, step-up, recovery codes, status. */
export function mountMfaRoutes(app: Express, deps: TokenApiDeps): void {
  loginMfaRoute(app, deps);
  mfaStatusRoute(app, deps);
  enrollTotpRoute(app, deps);
  confirmTotpRoute(app, deps);
  disableTotpRoute(app, deps);
  stepUpRoute(app, deps);
  recoveryCodesRoute(app, deps);
}
