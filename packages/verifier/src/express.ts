// Express (or plain node:http) middleware: `requireToken({ scopes })` protects a route in one
// line. Refusals are RFC 9457 problems with RFC 6750 `WWW-Authenticate` challenges; the response
// names the reason code, never anything about the verifier's internals.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scope } from '@tessera/contracts';
import type { AccessTokenClaims } from './claims.js';
import type { VerifyFailureReason } from './reasons.js';
import type { Verifier, VerifyResult } from './verifier.js';

export interface RequireTokenOptions {
  /**
   * The header the edge sets with the client's country (DESIGN §6), e.g. `cf-ipcountry`. Only
   * trust a header your proxy overwrites on every request. Without it geo-restricted tokens fail.
   */
  countryHeader?: string;
  /** The client IP for the IP-change warning; default `req.ip` (Express, honouring `trust proxy`). */
  clientIp?: (req: IncomingMessage) => string | undefined;
  /** Called for every refusal before the response is sent (logging, metrics, audit). */
  onRefused?: (req: IncomingMessage, result: Extract<VerifyResult, { ok: false }> | { ok: false; reason: 'missing_token' }) => void;
}

export interface RequireTokenRoute {
  scopes?: readonly Scope[];
  anyScope?: readonly Scope[];
}

/** What the middleware leaves on the request for the route handler. */
export interface AuthenticatedRequest extends IncomingMessage {
  auth: { claims: Readonly<AccessTokenClaims>; scopes: readonly Scope[] };
}

type Next = (error?: unknown) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function createRequireToken(verifier: Verifier, options: RequireTokenOptions = {}): (route?: RequireTokenRoute) => Middleware {
  const countryHeader = options.countryHeader?.toLowerCase();
  const clientIp = options.clientIp ?? ((req: IncomingMessage) => (req as IncomingMessage & { ip?: string }).ip ?? req.socket.remoteAddress);
  return (route = {}) =>
    (req, res, next) => {
      const header = req.headers.authorization;
      const match = typeof header === 'string' ? BEARER.exec(header) : null;
      if (!match) {
        options.onRefused?.(req, { ok: false, reason: 'missing_token' });
        sendProblem(res, missingToken());
        return;
      }
      const country = countryHeader ? req.headers[countryHeader] : undefined;
      verifier
        .verify(match[1]!, {
          ...(route.scopes ? { scopes: route.scopes } : {}),
          ...(route.anyScope ? { anyScope: route.anyScope } : {}),
          userAgent: req.headers['user-agent'] ?? '',
          clientIp: clientIp(req),
          ...(typeof country === 'string' ? { country } : {}),
        })
        .then((result) => {
          if (result.ok) {
            (req as AuthenticatedRequest).auth = { claims: result.claims, scopes: result.scopes };
            next();
            return;
          }
          options.onRefused?.(req, result);
          sendProblem(res, failureResponse(result.reason, { retryAfterSeconds: result.retryAfterSeconds, requiredScopes: route.scopes ?? route.anyScope }));
        }, next);
    };
}

export interface FailureResponse {
  status: number;
  code: string;
  title: string;
  detail: string;
  reason: VerifyFailureReason | 'missing_token';
  headers: Record<string, string>;
}

const DETAIL: Record<VerifyFailureReason, string> = {
  malformed: 'The access token is malformed',
  keys_unavailable: 'Token verification is temporarily unavailable',
  unknown_kid: 'The access token was signed with an unknown key',
  bad_signature: 'The access token signature is invalid',
  expired: 'The access token has expired',
  not_yet_valid: 'The access token is not valid yet',
  wrong_issuer: 'The access token was issued by another issuer',
  wrong_audience: 'The access token is not meant for this service',
  revoked: 'The access token has been revoked',
  session_revoked: 'The session of this access token has ended',
  user_revoked: 'The access token was revoked by a sign-out of all sessions or a password change',
  revocation_state_stale: 'Token verification is temporarily unavailable',
  insufficient_scope: 'The access token lacks a scope this operation requires',
  device_mismatch: 'The access token is bound to another device',
  geo_blocked: 'The access token may not be used from this location',
  rate_limited: 'Too many requests with this access token',
};

/** Status, problem code and headers for a refusal; exported for non-Express servers. */
export function failureResponse(reason: VerifyFailureReason, extra: { retryAfterSeconds?: number | undefined; requiredScopes?: readonly Scope[] | undefined } = {}): FailureResponse {
  const base = { reason, detail: DETAIL[reason] };
  switch (reason) {
    case 'insufficient_scope': {
      const scope = extra.requiredScopes?.length ? `, scope="${extra.requiredScopes.join(' ')}"` : '';
      return { ...base, status: 403, code: 'insufficient_scope', title: 'Forbidden', headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope"${scope}` } };
    }
    case 'geo_blocked':
      return { ...base, status: 403, code: 'forbidden', title: 'Forbidden', headers: {} };
    case 'rate_limited':
      return { ...base, status: 429, code: 'rate_limited', title: 'Too Many Requests', headers: { 'Retry-After': String(extra.retryAfterSeconds ?? 60) } };
    case 'keys_unavailable':
    case 'revocation_state_stale':
      return { ...base, status: 503, code: 'service_unavailable', title: 'Service Unavailable', headers: { 'Retry-After': String(extra.retryAfterSeconds ?? 1) } };
    default:
      return { ...base, status: 401, code: 'invalid_token', title: 'Unauthorized', headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } };
  }
}

function missingToken(): FailureResponse {
  return { status: 401, code: 'unauthorized', title: 'Unauthorized', detail: 'A bearer access token is required', reason: 'missing_token', headers: { 'WWW-Authenticate': 'Bearer' } };
}

function sendProblem(res: ServerResponse, failure: FailureResponse): void {
  if (res.headersSent) return;
  const body = JSON.stringify({ type: 'about:blank', title: failure.title, status: failure.status, code: failure.code, detail: failure.detail, reason: failure.reason });
  res.statusCode = failure.status;
  for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
