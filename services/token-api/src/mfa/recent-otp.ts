// "A recent otp" for sensitive calls (RFC 9470 step-up): the caller's access token must say the
// session gave a second factor (amr contains `otp`, RFC 8176) no more than MFA_RECENT_SECONDS ago
// (auth_time; iat for a token without it). A refusal is 401 insufficient_user_authentication
// with the RFC 9470 challenge; the client steps up with POST /api/v1/auth/mfa/step-up.
import type { Request, RequestHandler, Response } from 'express';
import { AppError } from '@tessera/platform';
import { decodeJwt } from 'jose';
import type { Principal } from '../commands/principal.js';
import type { TokenApiDeps } from '../deps.js';

export interface AuthenticationClaims {
  iat: number;
  amr?: readonly string[];
  auth_time?: number;
}

export type RecentOtpCheck = { ok: true } | { ok: false; reason: 'no_otp' | 'stale' };

/** Pure: whether the claims show a second factor within `maxAgeSeconds` of `nowMs`. */
export function checkRecentOtp(claims: AuthenticationClaims, nowMs: number, maxAgeSeconds: number): RecentOtpCheck {
  if (!claims.amr?.includes('otp')) return { ok: false, reason: 'no_otp' };
  const at = claims.auth_time ?? claims.iat;
  return nowMs / 1000 - at <= maxAgeSeconds ? { ok: true } : { ok: false, reason: 'stale' };
}

export function insufficientUserAuthentication(maxAgeSeconds: number): AppError {
  return new AppError(401, 'insufficient_user_authentication', `This call needs a second factor given within the last ${maxAgeSeconds} seconds: step up with POST /api/v1/auth/mfa/step-up`, {
    headers: { 'WWW-Authenticate': `Bearer error="insufficient_user_authentication", error_description="A recent second factor is required", max_age=${maxAgeSeconds}` },
  });
}

/**
 * For a handler that decides itself when the check applies (an admin's logout-all of another
 * user, not of themselves): throws the 401 challenge unless the bearer token of this request
 * carries a recent otp. Call after bearer authentication.
 */
export function assertRecentOtp(deps: Pick<TokenApiDeps, 'config' | 'clock'>, req: Request, res: Response): void {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new TypeError('assertRecentOtp runs after bearer authentication');
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  // The token was verified by the bearer middleware; decoding it again only reads amr/auth_time.
  // The jti check makes sure it is the very token that authenticated this request.
  const claims = token ? decodeJwt(token) : null;
  if (!claims || claims.jti !== principal.tokenId || typeof claims.iat !== 'number') throw new TypeError('bearer token of the request does not match its principal');
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : undefined;
  const authTime = typeof claims.auth_time === 'number' ? claims.auth_time : undefined;
  const check = checkRecentOtp({ iat: claims.iat, ...(amr ? { amr } : {}), ...(authTime !== undefined ? { auth_time: authTime } : {}) }, deps.clock(), deps.config.MFA_RECENT_SECONDS);
  if (!check.ok) throw insufficientUserAuthentication(deps.config.MFA_RECENT_SECONDS);
}

/** Route middleware form: `app.post(path, requireBearer(deps), requireRecentOtp(deps), handler)`. */
export function requireRecentOtp(deps: Pick<TokenApiDeps, 'config' | 'clock'>): RequestHandler {
  return (req, res, next) => {
    assertRecentOtp(deps, req, res);
    next();
  };
}
