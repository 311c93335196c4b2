// Access tokens for the notifier benchmarks, minted the way token-api mints them (same claims,
// ES256, typ at+jwt) under a key this process owns and serves as a JWKS, so a benchmark can
// hold ten thousand sockets without ten thousand argon2 logins.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { userAgentFingerprint } from '@tessera/verifier';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { v7 as uuidv7 } from 'uuid';

export const ISSUER = 'http://localhost:9003';
export const AUDIENCE = 'tessera';
export const USER_AGENT = 'tessera-bench/1.0';

export interface Minted {
  token: string;
  userId: string;
  tokenId: string;
  sessionId: string;
}

export class TokenMinter {
  private constructor(
    private readonly key: CryptoKey,
    private readonly kid: string,
    readonly jwksServer: Server,
  ) {}

  static async start(): Promise<TokenMinter> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = randomUUID();
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return new TokenMinter(privateKey, kid, server);
  }

  get jwksUrl(): string {
    return `http://127.0.0.1:${(this.jwksServer.address() as AddressInfo).port}/jwks.json`;
  }

  async mint(userId: string): Promise<Minted> {
    const tokenId = uuidv7();
    const sessionId = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'READ_TOKENS', sid: sessionId, fpr: userAgentFingerprint(USER_AGENT) })
      .setProtectedHeader({ alg: 'ES256', kid: this.kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(userId)
      .setJti(tokenId)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(this.key);
    return { token, userId, tokenId, sessionId };
  }

  close(): void {
    this.jwksServer.close();
  }
}
