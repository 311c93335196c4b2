import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { createHttpMetrics } from '../metrics.js';
import { healthRouter, type HealthCheck } from './health.js';
import { errorHandler, notFoundHandler } from './problem.js';
import { tracingMiddleware } from './tracing.js';

export const BODY_LIMIT = '16kb';

export interface HttpAppOptions {
  logger: Logger;
  registry: Registry;
  health: HealthCheck[];
  /** Mounts the service's own routes between the common middleware and the 404/error handlers. */
  routes?: (app: Express) => void;
  /** Extra paths not to log per request (health probes are never logged). */
  quietPaths?: string[];
}

// A request id from a proxy is reused only if it looks like one (no log injection).
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The Express skeleton every service shares: security headers, request ids and access logs,
 * HTTP metrics, 16 KiB JSON and form bodies, health and metrics endpoints, problem+json errors.
 * It never listens: `main` does that, tests use supertest-style requests or an ephemeral port.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: true }, crossOriginResourcePolicy: { policy: 'same-origin' } }));

  const quiet = new Set(['/health', '/health/live', '/health/ready', '/metrics', ...(options.quietPaths ?? [])]);
  app.use(tracingMiddleware(quiet));
  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      customAttributeKeys: { reqId: 'request_id' },
      autoLogging: { ignore: (req) => quiet.has(req.url?.split('?')[0] ?? '') },
      // Only what an operator needs; never bodies, never credentials.
      serializers: {
        req: (req) => ({ method: req.method, url: req.url?.split('?')[0], remote_address: req.remoteAddress }),
        res: (res) => ({ status_code: res.statusCode }),
      },
    }),
  );
  app.use(httpMetricsMiddleware(options.registry));
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(express.urlencoded({ limit: BODY_LIMIT, extended: false }));

  app.use(healthRouter(options.health));
  app.get('/metrics', async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });

  options.routes?.(app);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}

/** Labels durations by route template (`/tokens/:tokenId`), never by raw path, to bound cardinality. */
function httpMetricsMiddleware(registry: Registry): RequestHandler {
  const metrics = createHttpMetrics(registry);
  return (req, res, next) => {
    const stopTimer = metrics.duration.startTimer();
    res.on('finish', () => {
      const template = req.route?.path;
      const endpoint = typeof template === 'string' ? `${req.baseUrl}${template}` : 'unmatched';
      stopTimer({ endpoint, method: req.method });
      metrics.requests.inc({ method: req.method, status: String(res.statusCode) });
    });
    next();
  };
}
