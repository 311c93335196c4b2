// RFC 6749 §5.2 error bodies: the /oauth2 endpoints answer in OAuth's format, not problem+json
// (OAuthErrorResponse in @tessera/contracts), so OAuth client libraries understand them.
import type { ServerResponse } from 'node:http';
import type { OAuthErrorResponse } from '@tessera/contracts';

export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  constructor(
    readonly status: number,
    readonly error: OAuthErrorResponse['error'],
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

/** Client authentication failed (RFC 6749 §5.2: 401 with a challenge for the scheme tried). */
export const invalidClient = (challenge = 'Basic realm="tessera", charset="UTF-8"') =>
  new OAuthError(401, 'invalid_client', 'Client authentication failed', { 'WWW-Authenticate': challenge });

export const invalidRequest = (description: string, status = 400) => new OAuthError(status, 'invalid_request', description);

export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/** Writes JSON with the headers every /oauth2 answer carries (works on Express and bare node:http). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...NO_STORE,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/**
 * The 200 of the introspection hot path: the same headers (Pragma aside, an HTTP/1.0 leftover
 * RFC 7662 does not ask for) as a flat list, which Node stores without building an object.
 */
export function sendIntrospection(res: ServerResponse, text: string): void {
  res.writeHead(200, ['Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(Buffer.byteLength(text)), 'Cache-Control', 'no-store', 'X-Content-Type-Options', 'nosniff']);
  res.end(text);
}

export function sendOAuthError(res: ServerResponse, error: OAuthError): void {
  const body: OAuthErrorResponse = { error: error.error, error_description: error.description };
  sendJson(res, error.status, body, error.headers);
}
