import type { Express } from 'express';
import { ClientIpParam, PageQuery } from '@tessera/contracts';
import { parseParams } from '@tessera/platform';
import type { TokenApiDeps } from '../../../deps.js';
import { tokensFromIp } from '../../../queries/tokens.js';
import { principalOf, requireBearer } from '../../bearer.js';
import { auditAdminRead, pageOf } from './access.js';

/** GET /api/v1/auth/tokens/device/{clientIp}?limit&cursor (ADMIN_TOKENS) → IpTokensResponse, every status. */
export function tokensByIpRoute(app: Express, deps: TokenApiDeps): void {
  app.get('/api/v1/auth/tokens/device/:clientIp', requireBearer(deps, ['ADMIN_TOKENS']), async (req, res) => {
    const principal = principalOf(res);
    const { clientIp } = parseParams(ClientIpParam, req);
    const { page } = pageOf(PageQuery, req, 'ip');
    // Addresses are stored unwrapped (token-api's clientIp), so look IPv4-mapped IPv6 up as IPv4.
    const address = clientIp.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
    auditAdminRead(deps.logger, principal, 'tokens_by_ip', { client_ip: address });
    res.json(await tokensFromIp(deps.db, address, page, deps.clock(), (id) => deps.verification.lastUsed.peek(id)));
  });
}
