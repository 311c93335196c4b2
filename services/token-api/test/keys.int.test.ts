import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyEncryptionKey } from '../src/signing/key-encryption.js';
import { openSigningKey } from '../src/signing/key-repo.js';
import { runCli } from './cli.js';
import { PASSWORD, dropSchema, natsConnection, readStream, registerAndLogin, startApi, type Api } from './harness.js';

const KEK = randomBytes(32);
const ADMIN = { email: `keys-admin-${uniqueSuffix()}@example.com`, password: 'admin password 1' };
let api: Api;
let nc: NatsConnection;

beforeAll(async () => {
  api = await startApi({ SIGNING_KEY_ENCRYPTION_KEY: KEK.toString('base64'), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  nc = await natsConnection();
});
afterAll(async () => {
  await nc?.close();
  await api?.stop();
  if (api) await dropSchema(api);
});

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;
const jwks = async () => (await api.call('GET', '/.well-known/jwks.json')).body as { keys: Array<{ kid: string; alg: string }> };
const verifyRemote = (jwt: string) => jwtVerify(jwt, createRemoteJWKSet(new URL(`${api.url}/.well-known/jwks.json`)), { issuer: api.config.JWT_ISSUER, audience: api.config.JWT_AUDIENCE, typ: 'at+jwt' });
const adminLogin = async (scopes?: string[]) => (await api.call('POST', '/api/v1/auth/login', { body: { ...ADMIN, ...(scopes ? { scopes } : {}) } })).body.access_token as string;

describe('signing keys', () => {
  it('generates one key at first start, sealed with AES-256-GCM under the configured KEK, and reuses it after a restart', async () => {
    const rows = await api.sql('select kid, alg, kek_id, private_key_ciphertext, private_key_iv, private_key_tag, public_jwk, activates_at, retired_at, created_at from $schema.signing_keys');
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.kek_id).toBe(new KeyEncryptionKey(KEK).id);
    expect(JSON.stringify(row.public_jwk)).not.toContain('"d"');
    const opened = await openSigningKey(row as never, new KeyEncryptionKey(KEK));
    expect(opened.publicJwk).toEqual(row.public_jwk);
    await expect(openSigningKey(row as never, new KeyEncryptionKey(randomBytes(32)))).rejects.toThrow(/sealed under key-encryption key/);

    const restarted = await startApi({ SIGNING_KEY_ENCRYPTION_KEY: KEK.toString('base64') }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
    try {
      expect((await restarted.call('GET', '/.well-known/jwks.json')).body.keys.map((k: { kid: string }) => k.kid)).toEqual([row.kid]);
    } finally {
      await restarted.stop();
    }
    // The wrong KEK stops the start with a clear error instead of signing with garbage.
    await expect(startApi({ SIGNING_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE })).rejects.toThrow(/key-encryption key/);
  });

  it('rotates by admin call (ADMIN_SYSTEM only): old tokens still verify, new tokens carry the new kid, SigningKeyRotated is on KEY_EVENTS', async () => {
    const user = await registerAndLogin(api);
    const oldKid = kidOf(user.access);
    expect((await api.call('POST', '/api/v1/admin/keys/rotate', { token: user.access })).status).toBe(403);
    const adminWithoutSystem = await api.call('POST', '/api/v1/admin/keys/rotate', { token: await adminLogin() });
    expect(adminWithoutSystem.status).toBe(403);
    expect(adminWithoutSystem.body.code).toBe('insufficient_scope');

    const rotated = await api.call('POST', '/api/v1/admin/keys/rotate', { token: await adminLogin(['ADMIN_SYSTEM']), body: {} });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toEqual({ kid: expect.any(String), alg: 'ES256', activatesAt: expect.any(String) });
    expect(rotated.body.kid).not.toBe(oldKid);
    expect((await jwks()).keys.map((k) => k.kid)).toEqual([rotated.body.kid, oldKid]);

    await expect(verifyRemote(user.access)).resolves.toBeDefined();
    const fresh = await api.call('POST', '/api/v1/auth/login', { body: { email: user.email, password: PASSWORD } });
    expect(kidOf(fresh.body.access_token)).toBe(rotated.body.kid);
    await expect(verifyRemote(fresh.body.access_token)).resolves.toBeDefined();
    // A refresh also signs with the new key; the old access token is still accepted by token-api.
    const refreshed = await api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: user.refresh } });
    expect(kidOf(refreshed.body.access_token)).toBe(rotated.body.kid);
    expect((await api.call('POST', '/api/v1/auth/logout', { token: user.access })).status).toBe(204);

    const keyEvents = await waitFor(async () => {
      const m = await readStream(nc, api.topology.streams.keyEvents.name);
      return m.find((e) => e.data.data.kid === rotated.body.kid);
    }, { what: 'SigningKeyRotated on KEY_EVENTS' });
    expect(keyEvents.subject).toBe(api.topology.keyRotatedSubject);
    expect(keyEvents.data).toMatchObject({ type: 'SigningKeyRotated', actor: { kind: 'admin' }, data: { alg: 'ES256', activatesAt: rotated.body.activatesAt } });
    expect(keyEvents.msgId).toBe(keyEvents.data.id);
  });

  it('rotates to another algorithm, and by the CLI; running replicas pick the CLI key up from the event', async () => {
    const toEd = await api.call('POST', '/api/v1/admin/keys/rotate', { token: await adminLogin(['ADMIN_SYSTEM']), body: { alg: 'EdDSA' } });
    expect(toEd.status).toBe(201);
    const user = await registerAndLogin(api);
    expect(decodeProtectedHeader(user.access)).toMatchObject({ alg: 'EdDSA', kid: toEd.body.kid });
    await expect(verifyRemote(user.access)).resolves.toBeDefined();

    const cli = await runCli(api, ['rotate-keys', '--alg', 'RS256']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const result = JSON.parse(cli.stdout);
    expect(result).toMatchObject({ alg: 'RS256', eventPublished: true });
    const next = await waitFor(async () => {
      const login = await api.call('POST', '/api/v1/auth/login', { body: { email: user.email, password: PASSWORD } });
      return kidOf(login.body.access_token) === result.kid ? login : null;
    }, { what: 'the running service signing with the CLI key' });
    // Verifiable with jose alone against a JWKS snapshot, alongside the tokens of earlier keys.
    const keySet = createLocalJWKSet(await jwks());
    for (const token of [next.body.access_token, user.access]) await expect(jwtVerify(token, keySet, { issuer: api.config.JWT_ISSUER, audience: api.config.JWT_AUDIENCE })).resolves.toBeDefined();
  });

  it('refuses an algorithm outside ES256, EdDSA and RS256', async () => {
    const res = await api.call('POST', '/api/v1/admin/keys/rotate', { body: { alg: 'HS256' }, token: await adminLogin(['ADMIN_SYSTEM']) });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('alg');
  });
});

describe('signing keys from files', () => {
  it('signs with the PKCS#8 file, publishes the previous public key files, and refuses rotation by API and CLI', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'token-api-keys-'));
    const current = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const previous = generateKeyPairSync('ed25519');
    await writeFile(join(dir, 'current.pem'), current.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await writeFile(join(dir, 'previous.pem'), previous.publicKey.export({ format: 'pem', type: 'spki' }));
    const env = { JWT_PRIVATE_KEY_FILE: join(dir, 'current.pem'), JWT_PREVIOUS_PUBLIC_KEY_FILES: join(dir, 'previous.pem'), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };
    const files = await startApi(env, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE });
    try {
      const keys = (await files.call('GET', '/.well-known/jwks.json')).body.keys as Array<{ kid: string; alg: string }>;
      expect(keys.map((k) => k.alg)).toEqual(['ES256', 'EdDSA']);
      const login = await files.call('POST', '/api/v1/auth/login', { body: { ...ADMIN, scopes: ['ADMIN_SYSTEM'] } });
      expect(kidOf(login.body.access_token)).toBe(keys[0]!.kid);
      await expect(jwtVerify(login.body.access_token, createLocalJWKSet({ keys: keys as never }), { issuer: files.config.JWT_ISSUER, audience: files.config.JWT_AUDIENCE })).resolves.toBeDefined();
      const rotate = await files.call('POST', '/api/v1/admin/keys/rotate', { token: login.body.access_token });
      expect(rotate.status).toBe(409);
      expect(rotate.body.code).toBe('conflict');
      const cli = await runCli(files, ['rotate-keys'], { env: { JWT_PRIVATE_KEY_FILE: env.JWT_PRIVATE_KEY_FILE } });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain('replacing the files');
      // A key of another type than JWT_ALG is refused at start.
      await expect(startApi({ ...env, JWT_ALG: 'RS256' }, { schema: api.config.DATABASE_SCHEMA, namespace: api.config.NATS_NAMESPACE })).rejects.toThrow(/JWT_ALG is RS256/);
    } finally {
      await files.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('cli create-admin', () => {
  it('creates an admin with the password from stdin, and refuses an existing email', async () => {
    const email = `ops-${uniqueSuffix()}@example.com`;
    const created = await runCli(api, ['create-admin', '--email', email], { stdin: 'an admin password\n' });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email, role: 'admin' });
    const login = await api.call('POST', '/api/v1/auth/login', { body: { email, password: 'an admin password', scopes: ['ADMIN_USERS'] } });
    expect(login.body.scope).toBe('ADMIN_USERS');

    const again = await runCli(api, ['create-admin', '--email', email], { env: { ADMIN_PASSWORD: 'another password' } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const short = await runCli(api, ['create-admin', '--email', `x-${email}`], { stdin: 'short\n' });
    expect(short.code).toBe(1);
  });
});
