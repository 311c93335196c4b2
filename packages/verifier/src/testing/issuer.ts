// Test helpers (the `./testing` export): a signing key pair with its JWKS, access tokens shaped
// exactly like token-api's, and a tiny HTTP server for the JWKS. Never part of the main surface.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { JwtAlg, Scope } from '@tessera/contracts';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { ACCESS_TOKEN_TYP } from '../claims.js';
import { userAgentFingerprint } from '../fingerprint.js';

export interface AccessTokenSpec {
  userId?: string;
  sessionId?: string;
  scopes?: readonly Scope[];
  userAgent?: string;
  countries?: readonly string[];
  /** Issue instant in ms (the jti's timestamp); default now. */
  issuedAtMs?: number;
  expiresInSeconds?: number;
  /** Claims to add or override after the defaults (use `undefined` to remove one). */
  claims?: Record<string, unknown>;
  /** Header parameters to add or override (alg excepted: it is the key's). */
  header?: Record<string, unknown>;
}

export interface IssuedToken {
  token: string;
  jti: string;
  userId: string;
  sessionId: string;
  issuedAtMs: number;
  exp: number;
}

export interface TestIssuer {
  issuer: string;
  audience: string;
  alg: JwtAlg;
  kid: string;
  /** The public JWKS a verifier loads. */
  jwks: { keys: JWK[] };
  privateKey: CryptoKey;
  publicJwk: JWK;
  accessToken(spec?: AccessTokenSpec): Promise<IssuedToken>;
}

export async function createTestIssuer(options: { issuer?: string; audience?: string; alg?: JwtAlg; kid?: string } = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'ES256';
  const kid = options.kid ?? `test-${randomUUID().slice(0, 8)}`;
  const issuer = options.issuer ?? 'https://tessera.test';
  const audience = options.audience ?? 'tessera-api';
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    issuer,
    audience,
    alg,
    kid,
    jwks: { keys: [publicJwk] },
    privateKey,
    publicJwk,
    async accessToken(spec = {}) {
      const issuedAtMs = spec.issuedAtMs ?? Date.now();
      const jti = uuidv7({ msecs: issuedAtMs });
      const userId = spec.userId ?? randomUUID();
      const sessionId = spec.sessionId ?? randomUUID();
      const iat = Math.floor(issuedAtMs / 1000);
      const exp = iat + (spec.expiresInSeconds ?? 900);
      const claims: Record<string, unknown> = {
        iss: issuer,
        aud: audience,
        sub: userId,
        iat,
        exp,
        jti,
        scope: (spec.scopes ?? ['READ_PROFILE']).join(' '),
        sid: sessionId,
        fpr: userAgentFingerprint(spec.userAgent ?? ''),
        ...(spec.countries ? { ctry: [...spec.countries] } : {}),
        ...spec.claims,
      };
      for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
      const header = { typ: ACCESS_TOKEN_TYP, kid, ...spec.header, alg };
      for (const [name, value] of Object.entries(header)) if (value === undefined) delete (header as Record<string, unknown>)[name];
      const token = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
      return { token, jti, userId, sessionId, issuedAtMs, exp };
    },
  };
}

export interface JwksServer {
  url: string;
  /** Requests served so far (to assert on refresh behaviour). */
  requests(): number;
  /** Replaces the served document (key rotation). */
  setKeys(jwks: { keys: JWK[] }): void;
  close(): Promise<void>;
}

/** Serves a JWKS on 127.0.0.1 at a free port, like token-api's /.well-known/jwks.json. */
export async function serveJwks(initial: { keys: JWK[] }): Promise<JwksServer> {
  let document = initial;
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    if (req.url !== '/.well-known/jwks.json') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'application/jwk-set+json');
    res.end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    requests: () => count,
    setKeys(jwks) {
      document = jwks;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
