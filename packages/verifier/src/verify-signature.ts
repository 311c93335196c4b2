// First sight of a token: signature and `kid` (jose), then exp/nbf, then iss/aud, then the
// claim shapes — the DESIGN §4 order. Every failure becomes a reason code; nothing here throws.
import type { JwtAlg } from '@tessera/contracts';
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_TYP, parseAccessTokenClaims, tokenFacts, type TokenFacts } from './claims.js';
import type { KeyStore } from './keys/key-store.js';
import type { VerificationKey } from './keys/jwks.js';
import type { VerifyFailureReason } from './reasons.js';

export interface SignatureCheckOptions {
  keys: KeyStore;
  algorithms: JwtAlg[];
  issuer: string;
  audiences: ReadonlySet<string>;
  clockToleranceSeconds: number;
  now: () => number;
}

export type SignatureCheck =
  | { ok: true; facts: TokenFacts; kid: string }
  | { ok: false; reason: VerifyFailureReason; claims?: JWTPayload };

/** Largest token we parse at all: ours are ~600 bytes; 8 KiB bounds the work of a hostile one. */
export const MAX_TOKEN_LENGTH = 8192;

class KeyLookupFailed extends Error {
  constructor(readonly reason: 'unknown_kid' | 'keys_unavailable' | 'malformed' | 'bad_signature') {
    super(reason);
  }
}

export async function verifySignatureAndClaims(token: string, options: SignatureCheckOptions): Promise<SignatureCheck> {
  let kid = '';
  let payload: JWTPayload;
  let header: JWTHeaderParameters;
  try {
    const result = await jwtVerify(
      token,
      // Synchronous when the kid is known (jose awaits the result either way): an async function
      // here costs measurable first-sight throughput.
      (protectedHeader) => {
        // jose has already refused any alg outside `algorithms` (so `none` and HS*) by now.
        if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid === '') throw new KeyLookupFailed('malformed');
        kid = protectedHeader.kid;
        const known = options.keys.get(kid);
        if (known) return keyFor(known, protectedHeader.alg);
        return resolveUnknown(options.keys, kid).then((key) => keyFor(key, protectedHeader.alg));
      },
      {
        algorithms: options.algorithms,
        clockTolerance: options.clockToleranceSeconds,
        currentDate: new Date(options.now()),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'iss', 'aud'],
      },
    );
    payload = result.payload;
    header = result.protectedHeader;
  } catch (error) {
    return failure(error);
  }
  // jose checks `typ` after the time claims; we check it here, with iss/aud, in DESIGN order.
  if (!isAccessTokenTyp(header.typ)) return { ok: false, reason: 'malformed', claims: payload };
  if (payload.iss !== options.issuer) return { ok: false, reason: 'wrong_issuer', claims: payload };
  if (!audienceMatches(payload.aud, options.audiences)) return { ok: false, reason: 'wrong_audience', claims: payload };
  const claims = parseAccessTokenClaims(payload);
  if (claims === null) return { ok: false, reason: 'malformed', claims: payload };
  return { ok: true, facts: tokenFacts(claims), kid };
}

/** A key is bound to one algorithm: a token naming another alg for it is forged. */
function keyFor(key: VerificationKey, alg: string | undefined): VerificationKey['key'] {
  if (key.alg !== alg) throw new KeyLookupFailed('bad_signature');
  return key.key;
}

async function resolveUnknown(keys: KeyStore, kid: string): Promise<VerificationKey> {
  const lookup = await keys.lookupUnknown(kid);
  if ('key' in lookup) return lookup.key;
  throw new KeyLookupFailed(lookup.missing);
}

/** RFC 9068 §4: `at+jwt`, optionally with the `application/` prefix, case-insensitive. */
function isAccessTokenTyp(typ: string | undefined): boolean {
  if (typeof typ !== 'string') return false;
  const normalized = typ.toLowerCase();
  return normalized === ACCESS_TOKEN_TYP || normalized === `application/${ACCESS_TOKEN_TYP}`;
}

function audienceMatches(aud: JWTPayload['aud'], accepted: ReadonlySet<string>): boolean {
  if (typeof aud === 'string') return accepted.has(aud);
  return Array.isArray(aud) && aud.some((a) => accepted.has(a));
}

function failure(error: unknown): { ok: false; reason: VerifyFailureReason; claims?: JWTPayload } {
  if (error instanceof KeyLookupFailed) return { ok: false, reason: error.reason };
  if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired', claims: error.payload };
  if (error instanceof errors.JWTClaimValidationFailed) {
    // Only reached after the signature verified, so the payload is the issuer's.
    const reason: VerifyFailureReason = error.claim === 'nbf' ? 'not_yet_valid' : 'malformed';
    return { ok: false, reason, claims: error.payload };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad_signature' };
  // An algorithm outside the allowed list (`none`, HS256 with our public key as secret...).
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return { ok: false, reason: 'bad_signature' };
  // JWSInvalid, JWTInvalid, and TypeErrors from key/alg mismatches: not a token we can read.
  return { ok: false, reason: 'malformed' };
}
