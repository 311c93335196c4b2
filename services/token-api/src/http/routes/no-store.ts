import type { Response } from 'express';

/** RFC 6749 §5.1: responses carrying tokens must not be cached. */
export function noStore(res: Response): Response {
  return res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}
