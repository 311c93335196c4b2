// Bearer authentication for token-api's routes — the one place it happens. Access tokens are
// checked by @tessera/verifier (signature once per token, then a cache; revocation from the
// REVOCATIONS mirror plus this replica's own fresh revocations; the DESIGN §6 policies: scopes,
// User-Agent binding, geo restriction, per-token rate limit), then one read of the caller's row.
// Refusals become security log lines, metrics and aggregated TokenValidationFailed events.
import type { Request, RequestHandler, Response } from 'express';
import { ValidationFailureReason, type Scope } from '@tessera/contracts';
import { AppError, logSecurityEvent } from '@tessera/platform';
import { failureResponse, isVerifierStateReason, type VerifyFailureReason, type VerifyResult } from '@tessera/verifier';
import type { Principal } from '../commands/principal.js';
import type { TokenApiDeps } from '../deps.js';
import { callerRecord } from '../queries/principal.js';
import { clientIp, userAgentOf } from './client.js';

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/;

/** Every scope of a list, or at least one of `anyOf`. */
export type RouteScopes = readonly Scope[] | { anyOf: readonly Scope[] };

export type BearerDeps = Pick<TokenApiDeps, 'verification' | 'config' | 'db' | 'logger' | 'clock'>;

/** One answer for every kind of bad token, so a client learns nothing about why. */
const invalidToken = () =>
  new AppError(401, 'invalid_token', 'Missing, invalid or revoked access token', { headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } });

/** Refusals that are worth a security log line of their own (the rest are counted in events). */
const LOGGED: ReadonlySet<VerifyFailureReason> = new Set(['device_mismatch', 'geo_blocked', 'rate_limited']);

export function requireBearer(deps: BearerDeps, scopes: RouteScopes = []): RequestHandler {
  return async (req, res, next) => {
    const principal = await authenticateBearer(deps, bearerRequestOf(req, deps.config.GEO_COUNTRY_HEADER), scopes);
    res.locals.principal = principal;
    // A use is a request the token got answered: refused ones (bad body, 404…) leave no trace.
    res.once('finish', () => {
      if (res.statusCode < 400) recordUse(deps, principal);
    });
    next();
  };
}

/** What bearer authentication reads from a request (Express or bare node:http alike). */
export interface BearerRequest {
  authorization: string | undefined;
  /** The whole header (the fingerprint covers all of it); '' when absent. */
  userAgent: string;
  ip: string;
  /** From the edge's trusted country header. */
  country: string | undefined;
}

export function bearerRequestOf(req: Request, countryHeader: string): BearerRequest {
  const country = req.headers[countryHeader];
  return { authorization: req.headers.authorization, userAgent: userAgentOf(req), ip: clientIp(req), country: typeof country === 'string' ? country : undefined };
}

/** The caller of a bearer request, or an AppError (401, 403, 429, 503) to answer with. */
export async function authenticateBearer(deps: BearerDeps, request: BearerRequest, scopes: RouteScopes = []): Promise<Principal> {
  const match = BEARER.exec(request.authorization ?? '');
  if (!match) throw invalidToken();
  const { ip, userAgent, country } = request;
  const required = Array.isArray(scopes) ? { scopes: scopes as readonly Scope[] } : { anyScope: (scopes as { anyOf: readonly Scope[] }).anyOf };
  const result = await deps.verification.bearer.verify(match[1]!, { ...required, userAgent, clientIp: ip, ...(country !== undefined ? { country } : {}) });
  if (!result.ok) throw refusal(deps, result, { ip, userAgent, country, required: required.scopes ?? required.anyScope });

  const { claims } = result;
  const caller = await callerRecord(deps.db, claims, !deps.verification.revocationCurrent());
  if (!caller) {
    // The mirror was not current and the database says the token is dead (or the user is gone).
    deps.verification.failures.record({ reason: 'revoked', userId: claims.sub, tokenId: claims.jti, clientIp: ip, userAgent });
    throw invalidToken();
  }
  return { userId: claims.sub, email: caller.email, role: caller.role, tokenId: claims.jti, familyId: claims.sid, scopes: [...result.scopes] };
}

function refusal(
  deps: BearerDeps,
  result: Extract<VerifyResult, { ok: false }>,
  request: { ip: string; userAgent: string; country: string | undefined; required: readonly Scope[] | undefined },
): AppError {
  const { reason } = result;
  // Claims are present only when the signature verified: then sub and jti are the issuer's.
  const userId = typeof result.claims?.sub === 'string' ? result.claims.sub : undefined;
  const tokenId = typeof result.claims?.jti === 'string' ? result.claims.jti : undefined;
  if (reason === 'rate_limited') deps.verification.metrics.rateLimitHit.inc();
  if (LOGGED.has(reason)) {
    logSecurityEvent(deps.logger, reason, {
      user_id: userId,
      token_id: tokenId,
      client_ip: request.ip,
      ...(reason === 'geo_blocked' ? { country: request.country?.slice(0, 8) ?? null } : {}),
    });
  }
  const failure = ValidationFailureReason.safeParse(reason);
  if (failure.success && !isVerifierStateReason(reason)) {
    deps.verification.failures.record({ reason: failure.data, ...(userId ? { userId } : {}), ...(tokenId ? { tokenId } : {}), clientIp: request.ip, userAgent: request.userAgent });
  }
  const response = failureResponse(reason, { retryAfterSeconds: result.retryAfterSeconds, requiredScopes: request.required });
  if (response.status === 401) return invalidToken();
  return new AppError(response.status, response.code, response.detail, { headers: response.headers });
}

/** last_used_at of the caller's token (coalesced; see LastUsedTracker). */
export function recordUse(deps: Pick<BearerDeps, 'verification' | 'clock'>, principal: Principal): void {
  deps.verification.lastUsed.touch(principal.tokenId, deps.clock());
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new TypeError('route is missing requireBearer');
  return principal;
}
