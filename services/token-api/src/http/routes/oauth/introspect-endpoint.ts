// POST /oauth2/introspect, both front doors. The hot one (`introspectionFastPath`) answers on the
// bare node:http request before the Express stack — no helmet, access log, tracing middleware or
// body parsers per call (bench/introspection measures the difference) — and still enforces the
// 16 KiB body limit, caller authentication and OAuth error answers. The Express route serves
// the same endpoint through the same code when the fast path is switched off.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { IntrospectRequest } from '@tessera/contracts';
import type { Logger } from '@tessera/platform';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { TokenApiDeps } from '../../../deps.js';
import { bearerRequestOf, recordUse, type BearerRequest } from '../../bearer.js';
import { authenticateOAuthCaller } from './caller.js';
import type { ServiceClients } from './client-auth.js';
import { OAuthError, sendIntrospection, sendOAuthError } from './errors.js';
import { introspect } from './introspect.js';
import { checkParams, forwardedClientIp, parsedParams, parseRawParams, readRawBody } from './params.js';

const PATH = '/oauth2/introspect';

export interface IntrospectionEndpoint {
  /** For ServiceParts.fastPath: true when it took the request. */
  fastPath(req: IncomingMessage, res: ServerResponse): boolean;
  /** The same endpoint on Express (used when the fast path is off, or for requests it declines). */
  route(app: Express): void;
}

export function introspectionEndpoint(deps: TokenApiDeps, clients: ServiceClients, registry: Registry): IntrospectionEndpoint {
  const metrics = {
    requests: new Counter({ name: 'introspection_requests_total', help: 'POST /oauth2/introspect by outcome (active, inactive, refused, error)', labelNames: ['outcome'], registers: [registry] }),
    duration: new Histogram({ name: 'introspection_duration_seconds', help: 'POST /oauth2/introspect handling time', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1], registers: [registry] }),
  };

  /** Authenticates, then answers from already-read parameters. */
  async function answer(request: BearerRequest, readParams: () => Promise<unknown>, res: ServerResponse): Promise<void> {
    const stop = metrics.duration.startTimer();
    try {
      const caller = await authenticateOAuthCaller(deps, clients, request, ['ADMIN_TOKENS']);
      const input = checkParams(IntrospectRequest, await readParams());
      const response = await introspect(deps, input.token, input.token_type_hint, request);
      metrics.requests.inc({ outcome: response.active ? 'active' : 'inactive' });
      sendIntrospection(res, response.json);
      if (caller.kind === 'user') recordUse(deps, caller.principal);
    } catch (error) {
      fail(res, error, deps.logger, metrics.requests);
    } finally {
      stop();
    }
  }

  return {
    fastPath(req, res) {
      if (req.method !== 'POST') return false;
      const url = req.url ?? '';
      const query = url.indexOf('?');
      if ((query === -1 ? url : url.slice(0, query)) !== PATH) return false;
      const country = req.headers[deps.config.GEO_COUNTRY_HEADER];
      let ip: string | undefined;
      const request: BearerRequest = {
        authorization: req.headers.authorization,
        userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
        // Only a refusal or a bearer caller needs the address: worked out on first use.
        get ip() {
          return (ip ??= forwardedClientIp(req));
        },
        country: typeof country === 'string' ? country : undefined,
      };
      void answer(request, async () => parseRawParams(req.headers['content-type'], await readRawBody(req)), res);
      return true;
    },
    route(app) {
      app.post(PATH, async (req, res) => {
        await answer(bearerRequestOf(req, deps.config.GEO_COUNTRY_HEADER), async () => parsedParams(req), res);
      });
    },
  };
}

export function fail(res: ServerResponse, error: unknown, logger: Logger, requests?: Counter<'outcome'>): void {
  if (error instanceof OAuthError) {
    requests?.inc({ outcome: 'refused' });
    if (!res.headersSent) sendOAuthError(res, error);
    return;
  }
  requests?.inc({ outcome: 'error' });
  logger.error({ err: error }, 'oauth endpoint failed');
  if (!res.headersSent) sendOAuthError(res, new OAuthError(500, 'server_error', 'Internal error'));
}
