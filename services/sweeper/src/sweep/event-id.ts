import { hash } from 'node:crypto';

const MAX_UNIX_MS = 2 ** 48 - 1;

/**
 * A UUIDv7 that is a function of its inputs: the 48-bit timestamp is `unixMs`, the 74 "random"
 * bits are taken from SHA-256(`key`). The sweeper names each emission this way so that a
 * re-emission (a crash after publishing, before the schedule row was deleted, noticed after the
 * stream's duplicate window) carries the same event id and consumers keyed on it drop it.
 */
export function deterministicUuidV7(unixMs: number, key: string): string {
  if (!Number.isInteger(unixMs) || unixMs < 0 || unixMs > MAX_UNIX_MS) throw new TypeError('unixMs must be an integer in [0, 2^48)');
  // One-shot hash (no Hash object): this runs once per expiry, a million times a minute at peak.
  const digest = hash('sha256', key, 'hex');
  const time = unixMs.toString(16).padStart(12, '0');
  const version = `7${digest.slice(1, 4)}`; // 4 bits version 7, 12 bits from the hash
  const variant = ((Number.parseInt(digest.slice(4, 5), 16) & 0x3) | 0x8).toString(16) + digest.slice(5, 8); // RFC 9562 variant 10xx
  return `${time.slice(0, 8)}-${time.slice(8)}-${version}-${variant}-${digest.slice(8, 20)}`;
}
