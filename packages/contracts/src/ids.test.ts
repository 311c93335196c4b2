import { describe, it, expect } from 'vitest';
import { ContractError } from './errors.js';
import {
  Email,
  Fingerprint,
  IpAddress,
  IsoDateTime,
  IsoDateTimeInput,
  Reason,
  UserAgent,
  Uuid,
  UuidV7,
  uuidV7Timestamp,
} from './ids.js';
import { FIXED_IDS, FIXED_NOW_MS } from './testing/fixtures.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe('Uuid / UuidV7', () => {
  it('accepts any UUID, and only version 7 as UuidV7', () => {
    expect(ok(Uuid, FIXED_IDS.userId)).toBe(true);
    expect(ok(Uuid, FIXED_IDS.userId.toUpperCase())).toBe(true);
    expect(ok(UuidV7, FIXED_IDS.eventId)).toBe(true);
    expect(ok(UuidV7, FIXED_IDS.userId)).toBe(false);
  });

  it.each(['', 'not-a-uuid', `${FIXED_IDS.userId}x`, FIXED_IDS.userId.replaceAll('-', ''), 42, null])('rejects %j', (v) => {
    expect(ok(Uuid, v)).toBe(false);
  });
});

describe('uuidV7Timestamp', () => {
  it('reads the 48-bit millisecond timestamp', () => {
    expect(uuidV7Timestamp(FIXED_IDS.eventId)).toBe(FIXED_NOW_MS);
    expect(uuidV7Timestamp('01890a5d-ac96-774b-bcce-b302099a8057')).toBe(1_688_096_058_518);
  });

  it('throws a coded ContractError for anything but a UUIDv7', () => {
    expect(() => uuidV7Timestamp(FIXED_IDS.userId)).toThrow(ContractError);
    expect(() => uuidV7Timestamp('nope')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_UUIDV7' }));
  });
});

describe('IsoDateTime', () => {
  it('accepts UTC with milliseconds only', () => {
    expect(ok(IsoDateTime, '2026-01-15T10:00:00.000Z')).toBe(true);
    const rejected = [
      '2026-01-15T10:00:00Z',
      '2026-01-15T10:00:00.000+01:00',
      '2026-01-15',
      '2026-13-15T10:00:00.000Z',
      1_768_471_200_000,
    ];
    for (const v of rejected) expect(ok(IsoDateTime, v)).toBe(false);
  });

  it('IsoDateTimeInput is lenient on precision and offset', () => {
    expect(ok(IsoDateTimeInput, '2026-01-15T10:00:00Z')).toBe(true);
    expect(ok(IsoDateTimeInput, '2026-01-15T10:00:00+01:00')).toBe(true);
    expect(ok(IsoDateTimeInput, 'yesterday')).toBe(false);
  });
});

describe('bounded strings', () => {
  it('IpAddress takes v4 and v6', () => {
    expect(ok(IpAddress, '203.0.113.7')).toBe(true);
    expect(ok(IpAddress, '2001:db8::1')).toBe(true);
    expect(ok(IpAddress, '999.1.1.1')).toBe(false);
    expect(ok(IpAddress, 'localhost')).toBe(false);
  });

  it('UserAgent and Reason have bounds', () => {
    expect(ok(UserAgent, '')).toBe(true);
    expect(ok(UserAgent, 'x'.repeat(512))).toBe(true);
    expect(ok(UserAgent, 'x'.repeat(513))).toBe(false);
    expect(ok(Reason, '')).toBe(false);
    expect(ok(Reason, 'x'.repeat(256))).toBe(true);
    expect(ok(Reason, 'x'.repeat(257))).toBe(false);
    expect(ok(Reason, 'Téléphone perdu 📱 — 紛失')).toBe(true);
    for (const bad of ['a\u0000b', 'a\u0007b', 'a\u001b[31mb', 'a\nb', 'a\u007fb', 'a\ud800b', 'a\udc00b', '\ud83d']) expect(ok(Reason, bad)).toBe(false);
  });

  it('Email is trimmed and lowercased before the check', () => {
    expect(Email.parse('  Bob@Example.COM ')).toBe('bob@example.com');
    expect(ok(Email, 'not-an-email')).toBe(false);
    expect(ok(Email, `${'a'.repeat(250)}@x.io`)).toBe(false);
  });

  it('Fingerprint is hex up to 128', () => {
    expect(ok(Fingerprint, 'a'.repeat(128))).toBe(true);
    expect(ok(Fingerprint, 'a'.repeat(129))).toBe(false);
    expect(ok(Fingerprint, 'xyz')).toBe(false);
  });
});
