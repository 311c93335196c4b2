import { createHash } from 'node:crypto';

/**
 * The device-binding fingerprint (`fpr` claim): SHA-256 of the User-Agent header exactly as the
 * client sent it, lowercase hex. token-api computes it at issue with this same function, so the
 * two ends cannot drift apart. A missing header is the empty string.
 */
export function userAgentFingerprint(userAgent: string | undefined): string {
  return createHash('sha256').update(userAgent ?? '', 'utf8').digest('hex');
}

/**
 * Fingerprints of recently seen User-Agents. Clients send a handful of distinct values, so a
 * small map saves a SHA-256 per request on the hot path; it is cleared when full rather than
 * kept in LRU order, which costs one re-hash per distinct agent after a clear.
 */
const MAX_CACHED_AGENT_CHARS = 512;

export class FingerprintMatcher {
  private readonly digests = new Map<string, string>();

  constructor(private readonly maxEntries = 10_000) {}

  /** Constant-time comparison of the agent's fingerprint with the one bound to the token. */
  matches(userAgent: string | undefined, bound: string): boolean {
    const agent = userAgent ?? '';
    let digest = this.digests.get(agent);
    if (digest === undefined) {
      digest = createHash('sha256').update(agent, 'utf8').digest('hex');
      // Long agents are hashed every time so an attacker cannot fill memory with them.
      if (agent.length <= MAX_CACHED_AGENT_CHARS) {
        if (this.digests.size >= this.maxEntries) this.digests.clear();
        this.digests.set(agent, digest);
      }
    }
    return constantTimeEqual(digest, bound);
  }
}

/**
 * Constant-time comparison of two hex digests. For 64 characters a branch-free JS loop costs less
 * than converting to Buffers for crypto.timingSafeEqual, and takes the same time wherever they
 * differ.
 */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
