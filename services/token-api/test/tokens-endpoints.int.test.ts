// The token-management endpoints (issue 5): happy paths, pagination, bad inputs, and who may
// reach whose tokens — against the real service, PostgreSQL, NATS and the revocation service.
import { uuidV7Timestamp, ActiveTokensResponse, IpTokensResponse, LogoutAllResponse, Problem, RevokeTokenResponse, TokenDetails, TokenStats, UserListResponse, UserResponse } from '@tessera/contracts';
import { uniqueSuffix, waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, PHONE_UA, natsConnection, readStream, registerAndLogin } from './harness.js';
import { introspect, login, startTokenSystem, type TokenSystem } from './tokens-harness.js';

let sys: TokenSystem;
beforeAll(async () => {
  sys = await startTokenSystem();
});
afterAll(async () => {
  await sys?.stop();
});

const get = (path: string, token: string, ua?: string) => sys.api.call('GET', path, { token, ua });
const problem = (res: { status: number; headers: Headers; body: unknown }, status: number, code: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(Problem.safeParse(res.body).success).toBe(true);
  expect((res.body as { code: string }).code).toBe(code);
};

describe('GET /api/v1/auth/tokens/active', () => {
  it('lists the caller’s live tokens with device, IP and times, newest first, the current session marked', async () => {
    const a = await registerAndLogin(sys.api);
    const laptop = await login(sys.api, a.email, { ua: LAPTOP_UA, ip: '198.51.100.20' });
    const res = await get('/api/v1/auth/tokens/active', a.access);
    expect(res.status).toBe(200);
    const page = ActiveTokensResponse.parse(res.body);
    expect(page.items).toHaveLength(4);
    expect(page.nextCursor).toBeNull();
    const created = page.items.map((t) => Date.parse(t.createdAt));
    expect(created).toEqual([...created].sort((x, y) => y - x));
    const sid = decodeJwt(a.access).sid;
    const mine = page.items.filter((t) => t.familyId === sid);
    expect(mine.map((t) => t.current)).toEqual([true, true]);
    const other = page.items.filter((t) => t.familyId === decodeJwt(laptop.access).sid);
    expect(other.map((t) => t.current)).toEqual([false, false]);
    expect(other[0]).toMatchObject({ clientIp: '198.51.100.20', device: { browser: 'Firefox', os: 'Linux', type: 'desktop' } });
    expect(mine[0]!.device).toMatchObject({ os: 'Android', type: 'mobile' });
  });

  it('pages with opaque cursors: every token exactly once, no gaps', async () => {
    const a = await registerAndLogin(sys.api);
    for (let i = 0; i < 6; i++) await login(sys.api, a.email);
    const expected = (await sys.api.sql(`select id from $schema.auth_tokens where user_id = $1 and status = 'ACTIVE' order by created_at desc, id desc`, [a.userId])).map((r) => r.id);
    expect(expected).toHaveLength(14);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/api/v1/auth/tokens/active?limit=3${cursor ? `&cursor=${cursor}` : ''}`, a.access);
      const page = ActiveTokensResponse.parse(res.body);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((t) => t.tokenId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(5);
    expect(seen).toEqual(expected);
  });

  it('answers bad limits and cursors with 400 problem+json', async () => {
    const a = await registerAndLogin(sys.api);
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=', 'cursor=not*base64', `cursor=${Buffer.from('ip.1.x').toString('base64url')}`, 'unknown=1', 'userId=not-a-uuid']) {
      problem(await get(`/api/v1/auth/tokens/active?${query}`, a.access), 400, 'validation_failed');
    }
    // A cursor issued by another list is refused, not misread.
    const ipPage = await get(`/api/v1/auth/tokens/device/203.0.113.1?limit=1`, sys.admin.access);
    expect(ipPage.status).toBe(200);
    const foreign = Buffer.from(`ip.${Date.now()}.${a.userId}`).toString('base64url');
    problem(await get(`/api/v1/auth/tokens/active?cursor=${foreign}`, a.access), 400, 'validation_failed');
  });
});

describe('GET /api/v1/auth/tokens/stats', () => {
  it('counts the caller’s tokens by type, status and device; an admin gets everyone’s or a user’s', async () => {
    const a = await registerAndLogin(sys.api);
    await login(sys.api, a.email, { ua: LAPTOP_UA });
    await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.refresh } });
    const res = await get('/api/v1/auth/tokens/stats', a.access);
    expect(res.status).toBe(200);
    const stats = TokenStats.parse(res.body);
    expect(stats).toEqual({ total: 6, byType: { ACCESS: 3, REFRESH: 3 }, byStatus: { ACTIVE: 5, EXPIRED: 0, REVOKED: 1 }, byDevice: { desktop: 2, mobile: 4, tablet: 0, bot: 0, other: 0 } });

    const forUser = await get(`/api/v1/auth/tokens/stats?userId=${a.userId}`, sys.admin.access);
    expect(forUser.body).toEqual(stats);
    const global = TokenStats.parse((await get('/api/v1/auth/tokens/stats', sys.admin.access)).body);
    expect(global.total).toBeGreaterThan(stats.total);
  });

  it('hides other users: 404 for a user asking for someone else, 400 for a malformed id', async () => {
    const a = await registerAndLogin(sys.api);
    const b = await registerAndLogin(sys.api);
    problem(await get(`/api/v1/auth/tokens/stats?userId=${b.userId}`, a.access), 404, 'not_found');
    problem(await get('/api/v1/auth/tokens/stats?userId=123', a.access), 400, 'validation_failed');
    expect((await get(`/api/v1/auth/tokens/stats?userId=${a.userId}`, a.access)).status).toBe(200);
  });
});

describe('GET /api/v1/auth/tokens/{tokenId}/details', () => {
  it('shows everything recorded, the family links included', async () => {
    const a = await registerAndLogin(sys.api);
    const rotated = await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.refresh } });
    const [first] = await sys.api.sql(`select id, successor_token_id from $schema.auth_tokens where user_id = $1 and token_type = 'REFRESH' and parent_token_id is null`, [a.userId]);
    const res = await get(`/api/v1/auth/tokens/${first!.id}/details`, rotated.body.access_token);
    expect(res.status).toBe(200);
    const details = TokenDetails.parse(res.body);
    expect(details).toMatchObject({ tokenId: first!.id, userId: a.userId, email: a.email, tokenType: 'REFRESH', status: 'REVOKED', revoked: true, revocationReason: 'rotated', parentTokenId: null, successorTokenId: first!.successor_token_id, userAgent: PHONE_UA });
    const successor = TokenDetails.parse((await get(`/api/v1/auth/tokens/${details.successorTokenId}/details`, rotated.body.access_token)).body);
    expect(successor).toMatchObject({ parentTokenId: first!.id, status: 'ACTIVE', familyId: details.familyId, scopes: ['READ_PROFILE', 'READ_TOKENS', 'READ_TRANSACTIONS', 'WRITE_PROFILE'] });
  });

  it('answers 404 for another user’s token and an unknown one, 400 for a malformed id; an admin reads any', async () => {
    const a = await registerAndLogin(sys.api);
    const b = await registerAndLogin(sys.api);
    const bToken = decodeJwt(b.access).jti!;
    problem(await get(`/api/v1/auth/tokens/${bToken}/details`, a.access), 404, 'not_found');
    problem(await get(`/api/v1/auth/tokens/019bc119-0000-7000-8000-000000000000/details`, a.access), 404, 'not_found');
    problem(await get('/api/v1/auth/tokens/12345/details', a.access), 400, 'validation_failed');
    expect((await get(`/api/v1/auth/tokens/${bToken}/details`, sys.admin.access)).body.userId).toBe(b.userId);
  });
});

describe('DELETE /api/v1/auth/tokens/{tokenId}', () => {
  it('revokes an access token: TokenRevoked, refused by the API at once, introspection says inactive', async () => {
    const a = await registerAndLogin(sys.api);
    const other = await login(sys.api, a.email);
    const target = decodeJwt(a.access).jti!;
    const res = await sys.api.call('DELETE', `/api/v1/auth/tokens/${target}`, { token: other.access, body: { reason: 'lost my phone' } });
    expect(res.status).toBe(200);
    expect(RevokeTokenResponse.parse(res.body)).toEqual({ tokenId: target, revoked: true, revokedCount: 1 });
    problem(await get('/api/v1/auth/tokens/active', a.access), 401, 'invalid_token');
    expect((await introspect(sys.api, a.access)).body).toEqual({ active: false });
    // Its refresh token and the other session are untouched.
    expect((await get('/api/v1/auth/tokens/active', other.access)).status).toBe(200);
    const [row] = await sys.api.sql('select status, revocation_reason from $schema.auth_tokens where id = $1', [target]);
    expect(row).toEqual({ status: 'REVOKED', revocation_reason: 'lost my phone' });
    // Again: idempotent, nothing more revoked.
    expect((await sys.api.call('DELETE', `/api/v1/auth/tokens/${target}`, { token: other.access })).body.revokedCount).toBe(0);
  });

  it('revokes a refresh token with its whole session', async () => {
    const a = await registerAndLogin(sys.api);
    const other = await login(sys.api, a.email);
    const [refresh] = await sys.api.sql(`select id from $schema.auth_tokens where family_id = $1 and token_type = 'REFRESH'`, [decodeJwt(a.access).sid]);
    const res = await sys.api.call('DELETE', `/api/v1/auth/tokens/${refresh!.id}?reason=session%20ended`, { token: other.access });
    expect(res.body).toEqual({ tokenId: refresh!.id, revoked: true, revokedCount: 2 });
    problem(await get('/api/v1/auth/tokens/active', a.access), 401, 'invalid_token');
    expect((await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: a.refresh } })).status).toBe(401);
  });

  it('keeps other users’ tokens out of reach (404), lets an admin revoke them as an admin event, and checks ids', async () => {
    const a = await registerAndLogin(sys.api);
    const b = await registerAndLogin(sys.api);
    const bToken = decodeJwt(b.access).jti!;
    problem(await sys.api.call('DELETE', `/api/v1/auth/tokens/${bToken}`, { token: a.access }), 404, 'not_found');
    expect((await get('/api/v1/auth/tokens/active', b.access)).status).toBe(200);
    problem(await sys.api.call('DELETE', '/api/v1/auth/tokens/not-an-id', { token: a.access }), 400, 'validation_failed');
    problem(await sys.api.call('DELETE', `/api/v1/auth/tokens/${bToken}`, { token: a.access, body: { reason: '' } }), 400, 'validation_failed');

    expect((await sys.api.call('DELETE', `/api/v1/auth/tokens/${bToken}`, { token: sys.admin.access })).body.revokedCount).toBe(1);
    const nc = await natsConnection();
    try {
      const event = await waitFor(async () => (await readStream(nc, sys.api.topology.streams.tokenEvents.name)).find((m) => m.data.type === 'TokenRevoked' && m.data.data.tokenId === bToken), { what: 'TokenRevoked' });
      expect(event.data.actor).toEqual({ kind: 'admin', id: sys.admin.userId });
      expect(event.data.data.reason).toBe('revoked by admin');
    } finally {
      await nc.close();
    }
  });
});

describe('DELETE /api/v1/auth/tokens/all/{userId}', () => {
  it('signs out every device with one LogoutAll; every session is refused and a new login works', async () => {
    const a = await registerAndLogin(sys.api);
    const laptop = await login(sys.api, a.email, { ua: LAPTOP_UA });
    const res = await sys.api.call('DELETE', `/api/v1/auth/tokens/all/${a.userId}`, { token: a.access });
    expect(res.status).toBe(200);
    expect(LogoutAllResponse.parse(res.body)).toEqual({ userId: a.userId, revokedCount: 4 });
    problem(await get('/api/v1/auth/tokens/active', a.access), 401, 'invalid_token');
    problem(await get('/api/v1/auth/tokens/active', laptop.access, LAPTOP_UA), 401, 'invalid_token');
    expect((await sys.api.call('POST', '/api/v1/auth/refresh', { body: { refresh_token: laptop.refresh }, ua: LAPTOP_UA })).status).toBe(401);
    expect(await sys.api.sql(`select 1 from $schema.auth_tokens where user_id = $1 and status = 'ACTIVE'`, [a.userId])).toEqual([]);

    const fresh = await login(sys.api, a.email);
    expect((await get('/api/v1/auth/tokens/active', fresh.access)).status).toBe(200);
    expect((await introspect(sys.api, fresh.access)).body.active).toBe(true);

    const nc = await natsConnection();
    try {
      const events = await waitFor(async () => {
        const mine = (await readStream(nc, sys.api.topology.streams.tokenEvents.name)).filter((m) => m.data.userId === a.userId && m.data.type === 'LogoutAll');
        return mine.length === 1 ? mine : null;
      }, { what: 'LogoutAll' });
      expect(events[0]!.data.data).toMatchObject({ revokedCount: 4, reason: 'logout all' });
      expect(events[0]!.data.actor).toEqual({ kind: 'user', id: a.userId });
      // Every earlier token falls before the cutoff, the new login's after it (ms, from the UUIDv7 jti).
      const notBefore = events[0]!.data.data.notBefore as number;
      expect(uuidV7Timestamp(decodeJwt(laptop.access).jti!)).toBeLessThan(notBefore);
      expect(uuidV7Timestamp(decodeJwt(fresh.access).jti!)).toBeGreaterThanOrEqual(notBefore);
      const [user] = await sys.api.sql('select tokens_not_before from $schema.users where id = $1', [a.userId]);
      expect((user!.tokens_not_before as Date).getTime()).toBe(notBefore);
    } finally {
      await nc.close();
    }
  });

  it('is the user’s own or an admin’s to call; others get 404; bad ids 400; unknown users 404', async () => {
    const a = await registerAndLogin(sys.api);
    const b = await registerAndLogin(sys.api);
    problem(await sys.api.call('DELETE', `/api/v1/auth/tokens/all/${b.userId}`, { token: a.access }), 404, 'not_found');
    expect((await get('/api/v1/auth/tokens/active', b.access)).status).toBe(200);
    problem(await sys.api.call('DELETE', '/api/v1/auth/tokens/all/nope', { token: a.access }), 400, 'validation_failed');
    problem(await sys.api.call('DELETE', `/api/v1/auth/tokens/all/019bc119-0000-7000-8000-00000000dead`, { token: sys.admin.access }), 404, 'not_found');
    // An operator's token with ADMIN_TOKENS alone (what the tessera CLI asks for) is enough.
    const adminOnly = await login(sys.api, sys.admin.email, { scopes: ['ADMIN_TOKENS'] });
    const res = await sys.api.call('DELETE', `/api/v1/auth/tokens/all/${b.userId}`, { token: adminOnly.access, body: { reason: 'account compromised' } });
    expect(res.body).toEqual({ userId: b.userId, revokedCount: 2 });
    problem(await get('/api/v1/auth/tokens/active', b.access), 401, 'invalid_token');
    expect(sys.api.logs().some((l) => l.event_type === 'logout_all' && l.user_id === b.userId && l.actor_kind === 'admin')).toBe(true);
  });
});

describe('GET /api/v1/auth/tokens/device/{clientIp}', () => {
  it('lists tokens created from an address (IPv4 and IPv6), paginated, for admins only', async () => {
    const ip4 = `203.0.113.${Math.floor(Math.random() * 200) + 20}`;
    const ip6 = `2001:db8::${uniqueSuffix().slice(0, 4)}`;
    const a = await registerAndLogin(sys.api);
    const b = await registerAndLogin(sys.api);
    await login(sys.api, a.email, { ip: ip4 });
    await login(sys.api, b.email, { ip: ip4 });
    await login(sys.api, b.email, { ip: ip6 });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/api/v1/auth/tokens/device/${ip4}?limit=3${cursor ? `&cursor=${cursor}` : ''}`, sys.admin.access);
      expect(res.status).toBe(200);
      const page = IpTokensResponse.parse(res.body);
      seen.push(...page.items.map((t) => t.tokenId));
      expect(page.items.every((t) => t.clientIp === ip4 && t.status === 'ACTIVE')).toBe(true);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    const v6 = IpTokensResponse.parse((await get(`/api/v1/auth/tokens/device/${encodeURIComponent(ip6.replace('::', ':0:0:0::'))}`, sys.admin.access)).body);
    expect(v6.items.map((t) => t.userId)).toEqual([b.userId, b.userId]);

    problem(await get(`/api/v1/auth/tokens/device/${ip4}`, a.access), 403, 'insufficient_scope');
    for (const bad of ['300.1.1.1', 'not-an-ip', '1.2.3', '2001:db8:::1']) problem(await get(`/api/v1/auth/tokens/device/${encodeURIComponent(bad)}`, sys.admin.access), 400, 'validation_failed');
  });
});

describe('scopes and admin user look-up', () => {
  it('refuses a token without the route’s scope with 403 insufficient_scope', async () => {
    const a = await registerAndLogin(sys.api, { scopes: ['READ_PROFILE'] });
    const res = await get('/api/v1/auth/tokens/active', a.access);
    problem(res, 403, 'insufficient_scope');
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="READ_TOKENS ADMIN_TOKENS"');
  });

  it('finds a user by email or id for admins; users get 403; unknown 404; bad input 400', async () => {
    const a = await registerAndLogin(sys.api);
    const byEmail = await get(`/api/v1/users?email=${encodeURIComponent(a.email.toUpperCase())}`, sys.admin.access);
    expect(UserListResponse.parse(byEmail.body)).toEqual({ items: [{ id: a.userId, email: a.email, role: 'user', createdAt: expect.any(String) }], nextCursor: null });
    expect((await get(`/api/v1/users?email=nobody-${uniqueSuffix()}@example.com`, sys.admin.access)).body).toEqual({ items: [], nextCursor: null });
    expect(UserResponse.parse((await get(`/api/v1/users/${a.userId}`, sys.admin.access)).body).email).toBe(a.email);
    problem(await get(`/api/v1/users/019bc119-0000-7000-8000-00000000dead`, sys.admin.access), 404, 'not_found');
    problem(await get('/api/v1/users?email=not-an-email', sys.admin.access), 400, 'validation_failed');
    problem(await get('/api/v1/users', sys.admin.access), 400, 'validation_failed');
    problem(await get('/api/v1/users/xyz', sys.admin.access), 400, 'validation_failed');
    problem(await get(`/api/v1/users/${a.userId}`, a.access), 403, 'insufficient_scope');
  });
});
