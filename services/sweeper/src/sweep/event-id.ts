import { createHash } from 'node:crypto';

const MAX_UNIX_MS = 2 ** 48 - 1;

/**
 * A UUIDv7 that is a function of its inputs: the 48-bit timestamp is `unixMs`, the 74 "random"
 * bits are the first bits of SHA-256(`key`). The sweeper names each emission this way so that a
 * re-emission (a crash after publishing, before the schedule row was deleted, noticed after the
 * stream's duplicate window) carries the same event id and consumers keyed on it drop it.
 */
export function deterministicUuidV7(unixMs: number, key: string): string {
  if (!Number.isInteger(unixMs) || unixMs < 0 || unixMs > MAX_UNIX_MS) throw new TypeError('unixMs must be an integer in [0, 2^48)');
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(unixMs, 0, 6);
  createHash('sha256').update(key).digest().copy(bytes, 6, 0, 10);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8]! & 0x3f); // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
