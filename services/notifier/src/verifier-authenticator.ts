import { uuidV7Timestamp } from '@tessera/contracts';
import type { Verifier } from '@tessera/verifier';
import type { SocketAuthenticator } from './auth.js';

/**
 * Sockets authenticate with the same in-process verifier every Tessera service uses: signature,
 * expiry, the revocation mirror and the device binding (the socket's User-Agent must be the one
 * the token was issued to).
 */
export function verifierAuthenticator(verifier: Verifier): SocketAuthenticator {
  return {
    async authenticate(token, context) {
      const result = await verifier.verify(token, { userAgent: context.userAgent, clientIp: context.clientIp });
      if (!result.ok) return { ok: false, reason: result.reason };
      const { claims, scopes } = result;
      return {
        ok: true,
        principal: {
          userId: claims.sub.toLowerCase(),
          tokenId: claims.jti.toLowerCase(),
          sessionId: claims.sid.toLowerCase(),
          scopes,
          issuedAtMs: uuidV7Timestamp(claims.jti),
          expiresAtMs: claims.exp * 1000,
        },
      };
    },
  };
}
