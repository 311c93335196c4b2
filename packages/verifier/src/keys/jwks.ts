// Reading a JSON Web Key Set into verification keys. Only public signature keys for the
// configured algorithms survive: a symmetric (`oct`) key or a key for another algorithm is
// dropped here, so no later step can be tricked into HMAC-with-the-public-key or `alg: none`.
import { JwtAlg, KeyId } from '@tessera/contracts';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

export interface VerificationKey {
  kid: string;
  alg: JwtAlg;
  key: CryptoKey;
}

/** Loose: a JWKS may carry members we do not use (x5c, key_ops...); we read only these. */
const JwkShape = z.looseObject({
  kty: z.string().max(16),
  kid: z.string().max(256).optional(),
  alg: z.string().max(32).optional(),
  use: z.string().max(16).optional(),
  crv: z.string().max(16).optional(),
  d: z.unknown().optional(),
});

export const JsonWebKeySet = z.looseObject({ keys: z.array(z.unknown()).max(100) });
export type JsonWebKeySet = { keys: unknown[] };

/** The algorithm a key without `alg` can only be used with, from its type and curve. */
function inferAlg(jwk: z.infer<typeof JwkShape>): JwtAlg | null {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  return null;
}

export interface ImportedKeySet {
  keys: Map<string, VerificationKey>;
  /** Keys left out and why (for a log line; no key material). */
  skipped: Array<{ kid: string | undefined; why: string }>;
}

/** Imports the usable keys of a JWKS document. Throws only if the document itself is not a JWKS. */
export async function importKeySet(document: unknown, algorithms: readonly JwtAlg[]): Promise<ImportedKeySet> {
  const set = JsonWebKeySet.parse(document);
  const keys = new Map<string, VerificationKey>();
  const skipped: ImportedKeySet['skipped'] = [];
  for (const raw of set.keys) {
    const parsed = JwkShape.safeParse(raw);
    if (!parsed.success) {
      skipped.push({ kid: undefined, why: 'not a JWK' });
      continue;
    }
    const jwk = parsed.data;
    const skip = (why: string) => skipped.push({ kid: jwk.kid, why });
    if (jwk.kid === undefined || !KeyId.safeParse(jwk.kid).success) skip('missing or invalid kid');
    else if (jwk.kty === 'oct') skip('symmetric key');
    else if (jwk.d !== undefined) skip('private key material');
    else if (jwk.use !== undefined && jwk.use !== 'sig') skip('not a signature key');
    else if (keys.has(jwk.kid)) skip('duplicate kid');
    else {
      const alg = jwk.alg === undefined ? inferAlg(jwk) : JwtAlg.safeParse(jwk.alg).data ?? null;
      if (alg === null || !algorithms.includes(alg)) {
        skip(`algorithm ${jwk.alg ?? 'unknown'} not allowed`);
        continue;
      }
      try {
        const key = await importJWK({ ...(raw as JWK), alg, ext: false }, alg);
        if (!('type' in key) || key.type !== 'public') skip('not a public key');
        else keys.set(jwk.kid, { kid: jwk.kid, alg, key });
      } catch {
        skip('key does not match its algorithm');
      }
    }
  }
  return { keys, skipped };
}
