import { parseBody, parseQuery } from '@tessera/platform';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { RebuildRunner } from '../rebuild/runner.js';

const NoInput = z.strictObject({});

/** POST /api/v1/audit/rebuild (ADMIN_SYSTEM): starts a rebuild, 202 with its status; 409 if one runs. */
export function postRebuild(runner: RebuildRunner): RequestHandler {
  return async (req, res) => {
    parseQuery(NoInput, req);
    parseBody(NoInput, req);
    const status = await runner.start();
    res.status(202).location('/api/v1/audit/rebuild').json(status);
  };
}

/** GET /api/v1/audit/rebuild (ADMIN_SYSTEM): the status of this replica's last rebuild. */
export function getRebuild(runner: RebuildRunner): RequestHandler {
  return (req, res) => {
    parseQuery(NoInput, req);
    res.json(runner.status());
  };
}
