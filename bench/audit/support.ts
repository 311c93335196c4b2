// Shared pieces of the audit benchmarks: event generation, an ES256 token minter on node:crypto
// (the benchmarks run from the repo root, whose dependencies do not include jose), percentiles.
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
// Root's dependencies hold no @tessera/contracts: the source is imported directly.
import { createTokenEvent, type TokenEvent, type TokenEventType } from '../../packages/contracts/src/index.js';

let lastMs = 0;
let counter = 0;
/** RFC 9562 UUIDv7 with a 12-bit monotonic counter inside the millisecond. */
export function uuidv7(): string {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | ((counter >> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Roughly what production sees: mostly issues (logins and refreshes), then expiries and revocations. */
const MIX: Array<[TokenEventType, number]> = [
  ['TokenIssued', 50],
  ['TokenExpired', 15],
  ['TokenRevoked', 14],
  ['TokenValidationFailed', 10],
  ['TokenExpiring', 4],
  ['LogoutAll', 3],
  ['PasswordChanged', 2],
  ['TokenReuseDetected', 2],
];
const WHEEL: TokenEventType[] = MIX.flatMap(([type, weight]) => Array<TokenEventType>(weight).fill(type));

export function userIds(count: number): string[] {
  return Array.from({ length: count }, () => randomUUID());
}

/** The i-th event of the benchmark mix, for one of `users`, occurring now. */
export function benchEvent(i: number, users: readonly string[]): TokenEvent {
  const type = WHEEL[i % WHEEL.length]!;
  const userId = users[(i * 7919) % users.length]!;
  const now = new Date();
  const tokenId = uuidv7();
  const familyId = uuidv7();
  const ip = `198.51.${(i >> 8) & 255}.${i & 255}`;
  const ua = i % 3 === 0 ? 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Safari/604.1' : 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0';
  const expiresAt = new Date(now.getTime() + 900_000).toISOString();
  const data = (() => {
    switch (type) {
      case 'TokenIssued':
        return { tokenId, tokenType: 'ACCESS', familyId, scopes: ['READ_PROFILE', 'READ_TOKENS'], issuedAt: now.toISOString(), expiresAt, clientIp: ip, userAgent: ua, fingerprint: 'a3f5c0de9b' };
      case 'TokenExpired':
        return { tokenId, tokenType: 'ACCESS', expiresAt: now.toISOString() };
      case 'TokenRevoked':
        return { tokenId, tokenType: 'REFRESH', familyId, reason: 'user logout', expiresAt };
      case 'TokenValidationFailed':
        return { reason: 'expired', tokenId, clientIp: ip, userAgent: ua, count: 1 + (i % 5), windowStart: new Date(now.getTime() - 60_000).toISOString(), windowEnd: now.toISOString() };
      case 'TokenExpiring':
        return { tokenId, tokenType: 'REFRESH', familyId, expiresAt };
      case 'LogoutAll':
        return { notBefore: now.getTime(), reason: 'logout all devices', revokedCount: 3 };
      case 'PasswordChanged':
        return { notBefore: now.getTime() };
      case 'TokenReuseDetected':
        return { familyId, tokenId, clientIp: ip, userAgent: ua };
    }
  })();
  return createTokenEvent(type, { id: uuidv7(), occurredAt: now.toISOString(), userId, actor: { kind: 'user', id: userId }, data } as never);
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** The User-Agent the minted tokens are bound to (`fpr`, device binding): requests must send it. */
export const BENCH_USER_AGENT = 'tessera-bench/1.0';

/** A JWKS server with one P-256 key and a minter for ES256 access tokens shaped like token-api's. */
export async function startTokenIssuer(issuer: string, audience: string): Promise<{ jwksUrl: string; mint(sub: string, scope: string): string; close(): Promise<void> }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `bench-${randomUUID()}`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
  const server: Server = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const key = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    mint(sub, scope) {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64url(JSON.stringify({ alg: 'ES256', kid, typ: 'at+jwt' }))}.${b64url(
        JSON.stringify({ sub, scope, iss: issuer, aud: audience, iat: now, exp: now + 3600, jti: uuidv7(), sid: randomUUID(), fpr: createHash('sha256').update(BENCH_USER_AGENT).digest('hex') }),
      )}`;
      return `${input}.${b64url(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))}`;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Cumulative buckets of one Prometheus histogram from /metrics text. */
export function histogramBuckets(text: string, name: string): Array<{ le: number; count: number }> {
  const out: Array<{ le: number; count: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    out.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return out;
}

/** The quantile of the observations between two scrapes, interpolated within its bucket (as histogram_quantile does). */
export function histogramQuantile(before: Array<{ le: number; count: number }>, after: Array<{ le: number; count: number }>, q: number): number {
  const delta = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = delta.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const b of delta) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return lowerLe;
      return lowerLe + ((b.le - lowerLe) * (rank - lowerCount)) / Math.max(1, b.count - lowerCount);
    }
    lowerLe = b.le;
    lowerCount = b.count;
  }
  return lowerLe;
}
