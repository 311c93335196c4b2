import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256, lowercase hex: how refresh and access tokens are looked up and stored. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** An opaque refresh token: 256 random bits, base64url without padding (43 characters). */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Device binding (DESIGN §6): the SHA-256 hex of the User-Agent header, '' when absent. */
export function fingerprintOf(userAgent: string): string {
  return sha256Hex(userAgent);
}

/** Constant-time comparison of two strings (lengths may leak; contents do not). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
