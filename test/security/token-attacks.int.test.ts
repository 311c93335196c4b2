import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { testNatsUrl, waitFor } from '@tessera/platform/testing';
import { SignJWT, calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type CryptoKey, type JWTHeaderParameters } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { TestSocket } from '../support/sockets.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { INTROSPECTION_CLIENT, SURFACES, UA, acceptedOn, present, presentEverywhere } from './support/surfaces.js';

/*
 * Token attacks against every surface that accepts an access token (token-api's API, RFC 7662
 * introspection, the notifier WebSocket, the audit and revocation APIs). The bad tokens are minted
 * here with jose. token-api signs with a key from a file (JWT_PRIVATE_KEY_FILE), so the test holds
 * the real private key: a token re-signed with it but carrying a bad claim proves the claim check
 * itself, and the control (the same claims re-signed unchanged) proves the minting is right.
 */
let system: TestSystem;
let keyDir: string;
let privateKey: CryptoKey;
let publicPem: string;
let kid: string;
let client: ApiClient;
let victim: { userId: string; access: string; refresh: string };

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicPem = await exportSPKI(pair.publicKey);
  kid = await calculateJwkThumbprint(await exportJWK(pair.publicKey));
  keyDir = mkdtempSync(join(tmpdir(), 'tessera-sec-'));
  writeFileSync(join(keyDir, 'signing.pem'), await exportPKCS8(privateKey));
  system = await startSystem({
    env: { JWT_PRIVATE_KEY_FILE: join(keyDir, 'signing.pem'), INTROSPECTION_CLIENTS: `${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`, REFRESH_GRACE_SECONDS: '0' },
  });
  client = new ApiClient(system.url['token-api'], UA);
  const email = `victim-${Date.now()}@example.com`;
  const { id } = await client.register(email, 'correct horse battery staple');
  const pairTokens = await client.login(email, 'correct horse battery staple');
  victim = { userId: id, access: pairTokens.access_token, refresh: pairTokens.refresh_token };
});
afterAll(async () => {
  await system?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const claimsOf = (token: string) => decodeJwt(token) as Record<string, unknown>;
const headerOf = (token: string) => decodeProtectedHeader(token) as Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);
const hdr = (h: Record<string, unknown>) => h as unknown as JWTHeaderParameters;

/** The victim's claims and header, changed by `edit`, signed with the real private key. */
async function resign(edit: (claims: Record<string, unknown>, header: Record<string, unknown>) => void = () => {}): Promise<string> {
  const claims = { ...claimsOf(victim.access) };
  const header = { ...headerOf(victim.access) };
  edit(claims, header);
  return new SignJWT(claims).setProtectedHeader(hdr(header)).sign(privateKey);
}

describe('token attacks: forged and altered access tokens', () => {
  it('the control — the real claims re-signed with the real key — is accepted everywhere (the minting is right)', async () => {
    expect(headerOf(victim.access)).toMatchObject({ alg: 'ES256', kid, typ: 'at+jwt' });
    const outcomes = await presentEverywhere(system, await resign(), victim.userId);
    expect(acceptedOn(outcomes), JSON.stringify(outcomes)).toEqual(SURFACES);
  });

  const attacks: Array<[string, () => Promise<string>]> = [
    ['alg none, no signature', async () => `${b64({ ...headerOf(victim.access), alg: 'none' })}.${b64(claimsOf(victim.access))}.`],
    ['alg none, the original signature kept', async () => `${b64({ ...headerOf(victim.access), alg: 'none' })}.${b64(claimsOf(victim.access))}.${victim.access.split('.')[2]}`],
    // Algorithm confusion: HS256 keyed with the public key's PEM bytes, as a naive verifier would.
    ['HS256 signed with the public key PEM (algorithm confusion)', () => new SignJWT(claimsOf(victim.access)).setProtectedHeader(hdr({ ...headerOf(victim.access), alg: 'HS256' })).sign(new TextEncoder().encode(publicPem))],
    ['HS256 signed with the public JWK JSON', async () => {
      const jwks = (await (await fetch(`${system.url['token-api']}/.well-known/jwks.json`)).json()) as { keys: unknown[] };
      return new SignJWT(claimsOf(victim.access)).setProtectedHeader(hdr({ ...headerOf(victim.access), alg: 'HS256' })).sign(new TextEncoder().encode(JSON.stringify(jwks.keys[0])));
    }],
    ['signed by another key, our kid', async () => {
      const other = await generateKeyPair('ES256');
      return new SignJWT(claimsOf(victim.access)).setProtectedHeader(hdr(headerOf(victim.access))).sign(other.privateKey);
    }],
    ['signed by another key, unknown kid', async () => {
      const other = await generateKeyPair('ES256');
      return new SignJWT(claimsOf(victim.access)).setProtectedHeader(hdr({ ...headerOf(victim.access), kid: 'attacker-key-1' })).sign(other.privateKey);
    }],
    ['kid path traversal (real key)', () => resign((_c, h) => void (h.kid = '../../../../etc/passwd'))],
    ['kid SQL injection (real key)', () => resign((_c, h) => void (h.kid = "x' OR '1'='1' --"))],
    ['kid 4 KiB long (real key)', () => resign((_c, h) => void (h.kid = 'k'.repeat(4096)))],
    ['kid missing (real key)', () => resign((_c, h) => void delete h.kid)],
    ['jku/x5u pointing elsewhere, other key', async () => {
      const other = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(other.publicKey);
      return new SignJWT(claimsOf(victim.access)).setProtectedHeader(hdr({ alg: 'ES256', typ: 'at+jwt', kid: 'evil', jku: 'http://127.0.0.1:1/jwks.json', jwk })).sign(other.privateKey);
    }],
    ['payload tampered (scope raised to ADMIN_SYSTEM), signature kept', async () => {
      const [h, , s] = victim.access.split('.');
      return `${h}.${b64({ ...claimsOf(victim.access), scope: 'READ_PROFILE ADMIN_TOKENS ADMIN_SYSTEM' })}.${s}`;
    }],
    ['payload tampered (sub changed), signature kept', async () => {
      const [h, , s] = victim.access.split('.');
      return `${h}.${b64({ ...claimsOf(victim.access), sub: '00000000-0000-4000-8000-000000000001' })}.${s}`;
    }],
    ['signature bit-flipped', async () => {
      const [h, p, s] = victim.access.split('.');
      const sig = Buffer.from(s!, 'base64url');
      sig[5]! ^= 0x01;
      return `${h}.${p}.${sig.toString('base64url')}`;
    }],
    ['expired (real key)', () => resign((c) => Object.assign(c, { iat: now() - 3600, exp: now() - 60 }))],
    ['not yet valid (real key)', () => resign((c) => Object.assign(c, { nbf: now() + 3600 }))],
    ['issued in the future (real key)', () => resign((c) => Object.assign(c, { iat: now() + 3600, nbf: now() + 3600, exp: now() + 7200 }))],
    ['wrong issuer (real key)', () => resign((c) => void (c.iss = 'https://evil.example'))],
    ['wrong audience (real key)', () => resign((c) => void (c.aud = 'tessera-evil'))],
    ['a token for another audience (real key)', () => resign((c) => void (c.aud = ['billing-api']))],
    ['typ not at+jwt (real key)', () => resign((_c, h) => void (h.typ = 'JWT'))],
    ['no exp (real key)', () => resign((c) => void delete c.exp)],
    ['no jti (real key)', () => resign((c) => void delete c.jti)],
    ['scope as an array with an admin scope (real key, other user claims kept)', () => resign((c) => void (c.scope = ['ADMIN_SYSTEM']))],
    ['oversized: 20 KiB of claims (real key)', () => resign((c) => void (c.pad = 'x'.repeat(20_000)))],
    ['oversized: 12 KiB forged token (under the 16 KiB header limit, other key)', async () => {
      const other = await generateKeyPair('ES256');
      return new SignJWT({ ...claimsOf(victim.access), pad: 'x'.repeat(12_000) }).setProtectedHeader(hdr(headerOf(victim.access))).sign(other.privateKey);
    }],
    ['not a JWT at all', async () => 'not.a.jwt'],
    ['two parts only', async () => victim.access.split('.').slice(0, 2).join('.')],
  ];

  for (const [name, mint] of attacks) {
    it(`refuses: ${name}`, async () => {
      const token = await mint();
      const outcomes = await presentEverywhere(system, token, victim.userId);
      expect(acceptedOn(outcomes), JSON.stringify(outcomes)).toEqual([]);
    });
  }

  it('answered every forged token without a 5xx and the victim\'s own token still works', async () => {
    const outcomes = await presentEverywhere(system, victim.access, victim.userId);
    expect(acceptedOn(outcomes)).toEqual(SURFACES);
    const logs = system.logs().filter((l) => Number((l as { res?: { statusCode?: number } }).res?.statusCode ?? 0) >= 500);
    expect(logs).toEqual([]);
  });
});

describe('token attacks: replay and revocation', () => {
  it('a replayed rotated refresh token is refused and ends its whole session, everywhere', async () => {
    const email = `replay-${Date.now()}@example.com`;
    const { id } = await client.register(email, 'correct horse battery staple');
    const first = await client.login(email, 'correct horse battery staple');
    const rotated = await client.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(rotated.status).toBe(200);
    const socket = await TestSocket.open(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { token: rotated.body.access_token, userAgent: UA });
    socket.send({ type: 'SUBSCRIBE', userId: id });
    await socket.next('SUBSCRIBED');

    const replay = await client.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(replay.status).toBe(401);
    expect((await client.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: rotated.body.refresh_token } })).status).toBe(401);
    // The open socket of the session is told and closed; every surface refuses the session's token.
    await socket.next('TOKEN_REVOKED');
    expect((await socket.closedWith()).code).toBe(4010);
    await waitFor(async () => acceptedOn(await presentEverywhere(system, rotated.body.access_token, id)).length === 0, { what: 'the session refused everywhere', timeoutMs: 5_000 });
    // TokenReuseDetected reached the stream.
    const nc = await connect({ servers: testNatsUrl() });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(`${system.namespace}_TOKEN_EVENTS`, { subjects_filter: `${system.namespace}.tokens.reuse_detected.${id}` });
      expect(Object.keys(info.state.subjects ?? {})).toEqual([`${system.namespace}.tokens.reuse_detected.${id}`]);
    } finally {
      await nc.close();
    }
  });

  const revocations: Array<[string, (t: { access: string; refresh: string; userId: string }) => Promise<number>]> = [
    ['POST /api/v1/auth/logout', async (t) => (await client.call('POST', '/api/v1/auth/logout', { token: t.access })).status],
    ['DELETE /api/v1/auth/tokens/{id}', async (t) => (await client.call('DELETE', `/api/v1/auth/tokens/${claimsOf(t.access).jti}`, { token: t.access })).status],
    ['DELETE /api/v1/auth/tokens/all/{userId}', async (t) => (await client.call('DELETE', `/api/v1/auth/tokens/all/${t.userId}`, { token: t.access })).status],
    ['POST /oauth2/revoke (the refresh token)', async (t) => {
      const basic = Buffer.from(`${INTROSPECTION_CLIENT.id}:${INTROSPECTION_CLIENT.secret}`).toString('base64');
      const res = await fetch(`${system.url['token-api']}/oauth2/revoke`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: t.refresh, token_type_hint: 'refresh_token' }).toString() });
      return res.status;
    }],
    ['POST /api/v1/auth/password', async (t) => (await client.call('POST', '/api/v1/auth/password', { token: t.access, body: { currentPassword: 'correct horse battery staple', newPassword: 'another horse battery staple' } })).status],
  ];

  for (const [how, revoke] of revocations) {
    it(`a token revoked by ${how} is refused on every surface, and its open socket is closed`, async () => {
      const email = `revoked-${Math.random().toString(36).slice(2)}@example.com`;
      const { id } = await client.register(email, 'correct horse battery staple');
      const pair = await client.login(email, 'correct horse battery staple');
      const tokens = { access: pair.access_token, refresh: pair.refresh_token, userId: id };
      expect(acceptedOn(await presentEverywhere(system, tokens.access, id))).toEqual(SURFACES);
      const socket = await TestSocket.open(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { token: tokens.access, userAgent: UA });
      socket.send({ type: 'SUBSCRIBE', userId: id });
      await socket.next('SUBSCRIBED');

      expect(await revoke(tokens)).toBeLessThan(300);
      const closed = await socket.closedWith(5_000);
      expect([4010, 4011, 4012]).toContain(closed.code);
      // Propagation is milliseconds; the bound only keeps a failure from hanging.
      let last = {};
      await waitFor(async () => {
        const outcomes = await presentEverywhere(system, tokens.access, id);
        last = outcomes;
        return acceptedOn(outcomes).length === 0;
      }, { what: 'the revoked token refused everywhere', timeoutMs: 5_000 }).catch(() => {});
      expect(acceptedOn(last as Awaited<ReturnType<typeof presentEverywhere>>), JSON.stringify(last)).toEqual([]);
      // Every revocation but DELETE of the single access token ends the session: its refresh token too.
      if (!how.startsWith('DELETE /api/v1/auth/tokens/{id}')) {
        expect((await present(system, 'introspection', tokens.refresh, id)).accepted).toBe(false);
        expect((await client.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: tokens.refresh } })).status).toBe(401);
      }
    });
  }
});
