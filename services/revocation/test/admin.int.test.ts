// The blacklist endpoints, authorised with real access tokens checked against a JWKS served over
// HTTP, and the cleanup of entries whose token has expired.
import { waitFor } from '@tessera/platform/testing';
import { createTestIssuer, serveJwks, type JwksServer } from '@tessera/verifier/testing';
import { BlacklistCleanupResponse, BlacklistSizeResponse, Problem } from '@tessera/contracts';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMinutes, newNamespace, openBus, startService, tokenEvent, type Bus } from './harness.js';

const namespace = newNamespace();
const issuer = await createTestIssuer({ issuer: 'http://localhost:9003', audience: 'tessera' });
let jwks: JwksServer;
let service: Awaited<ReturnType<typeof startService>>;
let bus: Bus;

beforeAll(async () => {
  jwks = await serveJwks(issuer.jwks);
  service = await startService(namespace, { JWKS_URL: jwks.url, BLACKLIST_CLEANUP_INTERVAL_SECONDS: '0' });
  bus = await openBus(namespace);
  await waitFor(async () => (await fetch(`${service.base}/health`)).ok, { what: 'revocation fully up' });
});

afterAll(async () => {
  await service.stop();
  await bus.dispose();
  await jwks.close();
});

// Tokens are bound to the User-Agent they were issued to (DESIGN §6); the admin CLI's here.
const UA = 'tessera-cli/1.0';
const size = (token?: string, userAgent = UA) => fetch(`${service.base}/api/v1/auth/tokens/blacklist/size`, { headers: { 'user-agent': userAgent, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
const cleanup = (token: string) => fetch(`${service.base}/api/v1/auth/tokens/blacklist/cleanup`, { method: 'POST', headers: { 'user-agent': UA, authorization: `Bearer ${token}` } });

describe('blacklist endpoints', () => {
  it('refuse a missing, forged or under-scoped token', async () => {
    let res = await size();
    expect(res.status).toBe(401);
    expect(Problem.parse(await res.json())).toMatchObject({ code: 'unauthorized' });

    const forger = await createTestIssuer({ issuer: issuer.issuer, audience: issuer.audience, kid: issuer.kid });
    res = await size((await forger.accessToken({ scopes: ['ADMIN_SYSTEM'], userAgent: UA })).token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'invalid_token', reason: 'bad_signature' });

    res = await size((await issuer.accessToken({ scopes: ['READ_TOKENS', 'ADMIN_USERS'], userAgent: UA })).token);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'insufficient_scope' });
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');

    res = await cleanup((await issuer.accessToken({ scopes: ['READ_PROFILE'], userAgent: UA })).token);
    expect(res.status).toBe(403);

    // An admin token presented from another client (a stolen token) is refused.
    res = await size((await issuer.accessToken({ scopes: ['ADMIN_SYSTEM'], userAgent: UA })).token, 'curl/8.5.0');
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ reason: 'device_mismatch' });
  });

  it('refuse an admin token once it has been revoked', async () => {
    const admin = await issuer.accessToken({ scopes: ['ADMIN_TOKENS'], userAgent: UA });
    expect((await size(admin.token)).status).toBe(200);
    await bus.publish(tokenEvent('TokenRevoked', admin.userId, { tokenId: admin.jti, tokenType: 'ACCESS', familyId: admin.sessionId, reason: 'test', expiresAt: inMinutes(15) }));
    await waitFor(async () => (await size(admin.token)).status === 401, { what: 'revoked admin token refused' });
  });

  it('size counts entries by kind; cleanup removes only revoked tokens past their exp', async () => {
    const admin = (await issuer.accessToken({ scopes: ['ADMIN_SYSTEM'], userAgent: UA })).token;
    const before = BlacklistSizeResponse.parse(await (await size(admin)).json());
    const userId = randomUUID();
    // Two tokens that expire in ~2 s, one that lives on, one session and one user cutoff.
    const soonMs = (Math.floor(Date.now() / 1000) + 2) * 1000; // a whole second: `exp` has second resolution
    const soon = new Date(soonMs).toISOString();
    const shortLived = [randomUUID(), randomUUID()];
    const longLived = randomUUID();
    for (const tokenId of shortLived) await bus.publish(tokenEvent('TokenRevoked', userId, { tokenId, tokenType: 'ACCESS', familyId: randomUUID(), reason: 'r', expiresAt: soon }));
    await bus.publish(tokenEvent('TokenRevoked', userId, { tokenId: longLived, tokenType: 'REFRESH', familyId: randomUUID(), reason: 'r', expiresAt: inMinutes(60) }));
    await bus.publish(tokenEvent('LogoutAll', userId, { notBefore: Date.now(), reason: 'r', revokedCount: 3 }));
    await bus.drained();
    await waitFor(async () => BlacklistSizeResponse.parse(await (await size(admin)).json()).total === before.total + 5, { what: 'size to include the new entries' });
    const after = BlacklistSizeResponse.parse(await (await size(admin)).json());
    expect(after).toEqual({
      revokedTokens: before.revokedTokens + 3,
      revokedSessions: before.revokedSessions + 1,
      userCutoffs: before.userCutoffs + 1,
      total: before.total + 5,
    });

    // Nothing has expired yet.
    expect(BlacklistCleanupResponse.parse(await (await cleanup(admin)).json())).toEqual({ removed: 0 });
    await new Promise((r) => setTimeout(r, soonMs - Date.now() + 50));
    const res = await cleanup(admin);
    expect(res.status).toBe(200);
    expect(BlacklistCleanupResponse.parse(await res.json())).toEqual({ removed: 2 });
    const kv = await bus.kv();
    for (const tokenId of shortLived) expect((await kv.get(`jti.${tokenId}`))?.operation).toBe('DEL');
    expect((await kv.get(`jti.${longLived}`))?.operation).toBe('PUT');
    await waitFor(async () => BlacklistSizeResponse.parse(await (await size(admin)).json()).revokedTokens === after.revokedTokens - 2, { what: 'size to drop' });
    // A second pass finds nothing more.
    expect(BlacklistCleanupResponse.parse(await (await cleanup(admin)).json())).toEqual({ removed: 0 });
  });
});
