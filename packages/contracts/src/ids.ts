// Primitive value schemas shared by events, HTTP bodies and WebSocket messages. Every string is
// bounded so no schema in this package accepts an unbounded value from the network.
import { z } from 'zod';
import { InvalidUuidV7Error } from './errors.js';

/** Any RFC 9562 UUID; user, token and family ids. Case-insensitive; subjects lowercase it. */
export const Uuid = z.uuid();
export type Uuid = z.infer<typeof Uuid>;

/** Event ids and jtis: time-ordered, so the id alone tells when it was minted (DESIGN §4). */
export const UuidV7 = z.uuidv7();
export type UuidV7 = z.infer<typeof UuidV7>;

/** What we emit: ISO-8601 UTC, `Z` offset, exactly millisecond precision (`Date#toISOString`). */
export const IsoDateTime = z.iso.datetime({ precision: 3 });
export type IsoDateTime = z.infer<typeof IsoDateTime>;

/** What we accept from people typing query strings: any precision, `Z` or a numeric offset. */
export const IsoDateTimeInput = z.iso.datetime({ offset: true });

/** Milliseconds since the epoch; the unit of `notBefore` so same-second tokens are ordered. */
export const EpochMillis = z.int().nonnegative();

/** Seconds since the epoch; the unit of JWT `exp`/`iat`/`nbf` (RFC 7519). */
export const EpochSeconds = z.int().nonnegative();

/** A number of things (tokens revoked, rows removed). */
export const Count = z.int().nonnegative();

export const IpAddress = z.union([z.ipv4(), z.ipv6()]);
export type IpAddress = z.infer<typeof IpAddress>;

/** May be empty: clients are allowed to send no User-Agent. 512 bounds what we store per token. */
export const UserAgent = z.string().max(512);

/**
 * A human-readable revocation reason; it is stored, audited and pushed to sockets. No control
 * characters (PostgreSQL refuses NUL in text; the rest would reach terminals and logs raw) and no
 * lone UTF-16 surrogates (not valid Unicode: PostgreSQL refuses them in jsonb).
 */
export const Reason = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
  .refine((s) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s), 'must be well-formed Unicode');

/** Normalised before the format check so `  Bob@X.io ` and `bob@x.io` are one account. */
export const Email = z.string().trim().toLowerCase().max(254).check(z.email());

/** Device-binding fingerprint of the User-Agent at issue (a hex digest). */
export const Fingerprint = z.string().min(1).max(128).regex(/^[0-9a-f]+$/i);

/** ISO 3166-1 alpha-2, uppercase, as set by the edge's geo header (DESIGN §6). */
export const CountryCode = z.string().regex(/^[A-Z]{2}$/);

/** The 48-bit big-endian Unix-ms timestamp at the front of a UUIDv7 (RFC 9562 §5.7). */
export function uuidV7Timestamp(id: string): number {
  if (!UuidV7.safeParse(id).success) throw new InvalidUuidV7Error();
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
