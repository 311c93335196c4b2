import type { Express } from 'express';
import { MfaStepUpRequest } from '@tessera/contracts';
import type { TokenApiDeps } from '../../../deps.js';
import { stepUp } from '../../../mfa/commands/step-up.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { readBody } from '../../body.js';
import { clientContext } from '../../client.js';
import { noStore } from '../no-store.js';

/** POST /api/v1/auth/mfa/step-up (bearer) {code} → 200 an access token of the session with amr pwd+otp; 401; 409; 429. */
export function stepUpRoute(app: Express, deps: TokenApiDeps): void {
  app.post('/api/v1/auth/mfa/step-up', requireBearer(deps), async (req, res) => {
    const body = readBody(MfaStepUpRequest, req);
    noStore(res).json(await stepUp(deps, principalOf(res), body, clientContext(req)));
  });
}
