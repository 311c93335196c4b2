import type { Request } from 'express';
import type { z } from 'zod';
import { badRequest, type FieldError } from '../errors.js';

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

/** Parses one part of a request with its schema; a failure is a 400 naming the failing fields. */
function parsePart<S extends z.ZodType>(schema: S, value: unknown, part: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw badRequest(`Invalid request ${part}`, fieldErrors(result.error));
}

export const parseBody = <S extends z.ZodType>(schema: S, req: Request): z.infer<S> => parsePart(schema, req.body ?? {}, 'body');
export const parseParams = <S extends z.ZodType>(schema: S, req: Request): z.infer<S> => parsePart(schema, req.params, 'path parameters');
export const parseQuery = <S extends z.ZodType>(schema: S, req: Request): z.infer<S> => parsePart(schema, req.query, 'query');
