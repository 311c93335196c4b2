// What the page reads from its own access token: who it is, which session it belongs to, what
// it may do and when it expires. Display and scheduling only: the server verifies the token;
// the page never trusts these claims for anything the server does not check again.
import { EpochSeconds, Uuid } from '@tessera/contracts';
import { z } from 'zod';

const PageClaims = z.looseObject({
  sub: Uuid,
  /** Session (refresh family) id. */
  sid: Uuid,
  jti: Uuid,
  exp: EpochSeconds,
  scope: z.string().max(1024),
});

export interface TokenClaims {
  userId: string;
  sessionId: string;
  tokenId: string;
  expiresAtMs: number;
  scopes: ReadonlySet<string>;
}

export class MalformedTokenError extends Error {
  override readonly name = 'MalformedTokenError';
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const binary = atob(base64);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export function readClaims(accessToken: string): TokenClaims {
  const payload = accessToken.split('.')[1];
  if (payload === undefined) throw new MalformedTokenError('access token is not a JWS');
  let json: unknown;
  try {
    json = JSON.parse(base64UrlDecode(payload));
  } catch {
    throw new MalformedTokenError('access token payload is not JSON');
  }
  const parsed = PageClaims.safeParse(json);
  if (!parsed.success) throw new MalformedTokenError('access token lacks the claims the page needs');
  const c = parsed.data;
  return {
    userId: c.sub.toLowerCase(),
    sessionId: c.sid.toLowerCase(),
    tokenId: c.jti.toLowerCase(),
    expiresAtMs: c.exp * 1000,
    scopes: new Set(c.scope.split(' ').filter((s) => s !== '')),
  };
}
