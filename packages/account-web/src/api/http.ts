// One JSON call to the Tessera API: bearer auth, a timeout, problem+json errors mapped to
// failures, and every 2xx body checked against its contract schema before the page sees it.
import type { z } from 'zod';
import { ApiError, failureFromResponse } from './failure.js';

export interface HttpConfig {
  /** '' for same-origin (the gateway serves the pages and the API on one origin). */
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  now?: () => number;
}

export interface CallOptions<S extends z.ZodType | null> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  accessToken?: string;
  /** The contract schema of the 2xx body; null for calls whose body the page ignores. */
  schema: S;
}

type Result<S> = S extends z.ZodType ? z.infer<S> : void;

export async function call<S extends z.ZodType | null>(config: HttpConfig, options: CallOptions<S>): Promise<Result<S>> {
  const doFetch = config.fetch ?? globalThis.fetch.bind(globalThis);
  const now = config.now ?? Date.now;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) params.set(key, value);
  const url = `${config.baseUrl}${options.path}${params.size > 0 ? `?${params}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.accessToken !== undefined) headers.authorization = `Bearer ${options.accessToken}`;

  let response: Response;
  try {
    response = await doFetch(url, {
      method: options.method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      // Tokens travel only in the Authorization header: no cookies, nothing cached.
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(config.timeoutMs ?? 15_000),
    });
  } catch {
    throw new ApiError({ kind: 'network' });
  }

  const text = await response.text().catch(() => '');
  let json: unknown = undefined;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!response.ok) {
    throw new ApiError(failureFromResponse(response.status, json, response.headers.get('retry-after'), now()), response.status);
  }
  if (options.schema === null) return undefined as Result<S>;
  const parsed = options.schema.safeParse(json);
  if (!parsed.success) throw new ApiError({ kind: 'unexpected_response' }, response.status);
  return parsed.data as Result<S>;
}
