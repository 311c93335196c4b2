import type { Express } from 'express';
import { JwtAlg } from '@tessera/contracts';
import { readBody } from '../body.js';
import { z } from 'zod';
import { keysFromFiles, rotateSigningKey, type RotateDeps } from '../../commands/rotate-keys.js';
import type { TokenApiDeps } from '../../deps.js';
import { principalOf, requireBearer } from '../bearer.js';

const RotateRequest = z.strictObject({ alg: JwtAlg.optional() });

/** POST /api/v1/admin/keys/rotate (bearer, ADMIN_SYSTEM) `{alg?}` → 201 {kid, alg, activatesAt}. */
export function rotateKeysRoute(app: Express, deps: TokenApiDeps, rotation: Omit<RotateDeps, keyof TokenApiDeps> | null): void {
  app.post('/api/v1/admin/keys/rotate', requireBearer(deps, ['ADMIN_SYSTEM']), async (req, res) => {
    const body = readBody(RotateRequest, req);
    if (!rotation) throw keysFromFiles();
    const principal = principalOf(res);
    const result = await rotateSigningKey({ ...deps, ...rotation }, body.alg ?? deps.config.JWT_ALG, { kind: 'admin', id: principal.userId });
    await deps.keys.reload();
    res.status(201).json(result);
  });
}
