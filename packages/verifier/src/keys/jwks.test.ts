import { exportJWK, generateKeyPair, generateSecret } from 'jose';
import { describe, expect, it } from 'vitest';
import { importKeySet } from './jwks.js';

const es = await generateKeyPair('ES256', { extractable: true });
const ed = await generateKeyPair('EdDSA', { extractable: true });
const esPublic = await exportJWK(es.publicKey);
const edPublic = await exportJWK(ed.publicKey);

describe('importKeySet', () => {
  it('keeps public signature keys for allowed algorithms, inferring alg from the curve', async () => {
    const { keys, skipped } = await importKeySet({ keys: [{ ...esPublic, kid: 'a' }, { ...edPublic, kid: 'b', alg: 'EdDSA' }] }, ['ES256', 'EdDSA']);
    expect([...keys.values()].map((k) => [k.kid, k.alg])).toEqual([['a', 'ES256'], ['b', 'EdDSA']]);
    expect(skipped).toEqual([]);
  });

  it('drops symmetric, private, encryption, kid-less, duplicate and disallowed keys', async () => {
    const secret = await exportJWK(await generateSecret('HS256', { extractable: true }));
    const { keys, skipped } = await importKeySet(
      {
        keys: [
          { ...secret, kid: 'hmac', alg: 'HS256' },
          { ...(await exportJWK(es.privateKey)), kid: 'private' },
          { ...esPublic, kid: 'enc', use: 'enc' },
          { ...esPublic },
          { ...esPublic, kid: 'ok' },
          { ...esPublic, kid: 'ok' },
          { ...edPublic, kid: 'ed' },
          { ...esPublic, kid: 'lying', alg: 'RS256' },
          'not a key',
        ],
      },
      ['ES256'],
    );
    expect([...keys.keys()]).toEqual(['ok']);
    expect(skipped.map((s) => s.why)).toEqual([
      'symmetric key',
      'private key material',
      'not a signature key',
      'missing or invalid kid',
      'duplicate kid',
      'algorithm unknown not allowed',
      'algorithm RS256 not allowed',
      'not a JWK',
    ]);
  });

  it('refuses a document that is not a key set', async () => {
    await expect(importKeySet({ nope: [] }, ['ES256'])).rejects.toThrow();
    await expect(importKeySet([], ['ES256'])).rejects.toThrow();
  });
});
