import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { userAgentFingerprint } from '@tessera/verifier';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { v7 as uuidv7 } from 'uuid';

export const TEST_ISSUER = 'http://audit-test.local';
export const TEST_AUDIENCE = 'tessera-audit-test';
/** The User-Agent the harness sends; tokens are bound to it (DESIGN §6 device binding). */
export const TEST_USER_AGENT = 'tessera-audit-test/1';

export interface TestJwks {
  url: string;
  /** An access token as token-api would mint it (ES256, sub, scope, jti, sid, fpr). */
  mint(claims: { sub: string; scope?: string | null; iss?: string; aud?: string; expiresIn?: string; key?: 'trusted' | 'untrusted' }): Promise<string>;
  close(): Promise<void>;
}

/** A JWKS endpoint on a free local port, serving one ES256 key; `untrusted` signs with another. */
export async function startJwks(): Promise<TestJwks> {
  const trusted = await generateKeyPair('ES256');
  const untrusted = await generateKeyPair('ES256');
  const kid = `test-${uuidv7()}`;
  const jwk = { ...(await exportJWK(trusted.publicKey)), kid, alg: 'ES256', use: 'sig' };
  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    async mint({ sub, scope = 'READ_TOKENS', iss = TEST_ISSUER, aud = TEST_AUDIENCE, expiresIn = '5m', key = 'trusted' }) {
      const privateKey: CryptoKey = key === 'trusted' ? trusted.privateKey : untrusted.privateKey;
      const claims = { sid: randomUUID(), fpr: userAgentFingerprint(TEST_USER_AGENT), ...(scope === null ? {} : { scope }) };
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setSubject(sub)
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt()
        .setJti(uuidv7())
        .setExpirationTime(expiresIn)
        .sign(privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
