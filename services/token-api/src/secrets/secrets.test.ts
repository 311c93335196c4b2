import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './passwords.js';
import { constantTimeEqual, fingerprintOf, newRefreshToken, sha256Hex } from './tokens.js';

const FAST = { memoryKib: 1024, timeCost: 1, parallelism: 1 };

describe('token secrets', () => {
  it('makes 256-bit base64url refresh tokens that never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newRefreshToken));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('hashes with SHA-256 hex and fingerprints the User-Agent the same way', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(fingerprintOf('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('compares in constant time and treats different lengths as unequal', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('PasswordHasher', () => {
  it('verifies the right password and refuses a wrong one, an unknown user and a corrupt hash', async () => {
    const hasher = await PasswordHasher.create(FAST);
    const stored = await hasher.hash('correct horse');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await hasher.verify(stored, 'correct horse')).toBe(true);
    expect(await hasher.verify(stored, 'wrong horse')).toBe(false);
    expect(await hasher.verify(null, 'correct horse')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'correct horse')).toBe(false);
  });

  it('asks for a rehash when the parameters changed', async () => {
    const old = await (await PasswordHasher.create(FAST)).hash('pw-123456');
    const stronger = await PasswordHasher.create({ ...FAST, timeCost: 2 });
    expect(stronger.needsRehash(old)).toBe(true);
    expect(stronger.needsRehash(await stronger.hash('pw-123456'))).toBe(false);
  });
});
