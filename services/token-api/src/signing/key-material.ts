import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JwtAlg } from '@tessera/contracts';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** One signing key pair in memory. */
export interface SigningKey {
  kid: string;
  alg: JwtAlg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public JWK as published: kty/crv/x/y (or n/e) plus kid, alg, use. */
  publicJwk: JWK;
}

export function generateKeyPair(alg: JwtAlg): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    default: {
      const unreachable: never = alg;
      throw new TypeError(`unsupported alg ${String(unreachable)}`);
    }
  }
}

/** Which algorithm a key can sign with; null for a key type we do not use. */
export function algForKey(key: KeyObject): JwtAlg | null {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  return null;
}

/** The public JWK with its RFC 7638 thumbprint as `kid`, so a kid names exactly one key. */
export async function describePublicKey(publicKey: KeyObject, alg: JwtAlg): Promise<{ kid: string; publicJwk: JWK }> {
  const exported = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(exported, 'sha256');
  return { kid, publicJwk: { ...exported, kid, alg, use: 'sig' } };
}

export async function newSigningKey(alg: JwtAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPair(alg);
  const { kid, publicJwk } = await describePublicKey(publicKey, alg);
  return { kid, alg, privateKey, publicKey, publicJwk };
}

export async function signingKeyFromPkcs8(der: Buffer, alg: JwtAlg, kid?: string): Promise<SigningKey> {
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  const described = await describePublicKey(publicKey, alg);
  const id = kid ?? described.kid;
  return { kid: id, alg, privateKey, publicKey, publicJwk: { ...described.publicJwk, kid: id } };
}

export function exportPkcs8(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'pkcs8' }) as Buffer;
}
