import type { Request } from 'express';
import { AppError, parseBody } from '@tessera/platform';
import type { z } from 'zod';

/**
 * parseBody, plus: a body the JSON and form parsers did not take (another media type) is refused
 * rather than read as empty, so no route acts on a request whose body it never saw.
 */
export function readBody<S extends z.ZodType>(schema: S, req: Request): z.infer<S> {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && req.body === undefined) throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
  return parseBody(schema, req);
}
