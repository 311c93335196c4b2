import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError, serviceUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';
import { isDatabaseUnavailable } from '../postgres/unavailable.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Renders an RFC 9457 problem from the exposed fields of an AppError only. */
export function sendProblem(res: Response, error: AppError, instance?: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  const exposed = error.expose;
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .json({
      ...(exposed ? error.extensions : undefined),
      type: 'about:blank',
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      code: exposed ? error.code : 'internal_error',
      detail: exposed ? error.message : 'An internal error occurred',
      ...(instance ? { instance } : {}),
      ...(exposed && error.errors ? { errors: error.errors } : {}),
    });
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, 'not_found', `No route for ${req.method} ${req.path}`));
};

/** Errors thrown by body-parser carry `type` and `status`; map the ones a client causes. */
function fromBodyParser(error: { type?: string; status?: number }): AppError | null {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'Request body exceeds the 16 KiB limit');
    case 'entity.parse.failed':
      return new AppError(400, 'validation_failed', 'Request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_media_type', 'Unsupported body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'parameters.too.many':
      return new AppError(400, 'validation_failed', 'Malformed request body');
    default:
      return null;
  }
}

/** A database that cannot be reached is the server's temporary state, not a bug: 503, retry. */
function databaseUnavailable(error: unknown): AppError | null {
  if (!isDatabaseUnavailable(error)) return null;
  return serviceUnavailable('Temporarily unavailable, retry shortly', error);
}

/**
 * The last middleware: AppErrors become problems; client errors from the body parser too;
 * anything else is a 500 whose detail goes only to the log, with the request id.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    const known = error instanceof AppError ? error : (fromBodyParser(error ?? {}) ?? databaseUnavailable(error));
    const appError = known ?? new AppError(500, 'internal_error', 'internal error', { cause: error });
    if (appError.status >= 500) {
      (req.log ?? logger).error({ err: error, request_id: req.id }, 'request failed');
    }
    sendProblem(res, appError, typeof req.id === 'string' ? `urn:request:${req.id}` : undefined);
  };
}
