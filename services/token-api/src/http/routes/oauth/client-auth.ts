// Service credentials for /oauth2/introspect and /oauth2/revoke (config INTROSPECTION_CLIENTS),
// presented with HTTP Basic as RFC 6749 §2.3.1 and RFC 7662 §2.1 describe: client id and secret
// form-urlencoded, joined by ':', base64. Secrets are compared as SHA-256 digests with
// timingSafeEqual, so neither their content nor their length shows in the timing; an unknown id
// costs the same comparison as a known one.
import { createHash, timingSafeEqual } from 'node:crypto';

export interface ClientCredential {
  id: string;
  secret: string;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const DUMMY = digest('no client has this secret');

export class ServiceClients {
  private readonly digests: Map<string, Buffer>;

  constructor(clients: readonly ClientCredential[]) {
    this.digests = new Map(clients.map((c) => [c.id, digest(c.secret)]));
  }

  get size(): number {
    return this.digests.size;
  }

  /**
   * Header values that already passed the full check, so a service's every call does not decode
   * and hash its credential again. Only exact matches of a verified header hit (a Map lookup
   * reveals nothing about how close a wrong secret is); bounded, since only configured
   * credentials, in their few possible encodings, ever get in.
   */
  private readonly verified = new Map<string, string>();

  /** The client id when `authorization` is `Basic` with a configured id and its secret; else null. */
  authenticate(authorization: string): string | null {
    const known = this.verified.get(authorization);
    if (known !== undefined) return known;
    const credential = parseBasic(authorization);
    if (!credential) return null;
    const expected = this.digests.get(credential.id);
    const matches = timingSafeEqual(expected ?? DUMMY, digest(credential.secret));
    if (!matches || expected === undefined) return null;
    if (this.verified.size < 64) this.verified.set(authorization, credential.id);
    return credential.id;
  }
}

const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

/** `Basic base64(urlencode(id):urlencode(secret))` → the pair, or null when it is not that. */
export function parseBasic(authorization: string): ClientCredential | null {
  const match = BASIC.exec(authorization);
  if (!match || match[1]!.length > 1024) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  try {
    const id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    return id.length > 0 && secret.length > 0 ? { id, secret } : null;
  } catch {
    return null;
  }
}
