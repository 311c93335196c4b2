// DESIGN §6 policies on token-api's bearer routes through the verifier (issue 5): device binding,
// geo restriction, per-token rate limit; plus what the checks leave behind — security log lines,
// TokenValidationFailed aggregates, last_used_at, metrics — and revocation reaching another
// replica through the revocation service alone.
import { TokenValidationFailed } from '@tessera/contracts';
import { waitFor } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAPTOP_UA, PHONE_UA, natsConnection, readStream, registerAndLogin } from './harness.js';
import { introspect, login, metric, startTokenSystem, type TokenSystem } from './tokens-harness.js';

let sys: TokenSystem;
beforeAll(async () => {
  sys = await startTokenSystem({ TOKEN_RATE_LIMIT_PER_MINUTE: '60', VALIDATION_FAILURE_WINDOW_MS: '1000', ACTIVE_TOKENS_GAUGE_MAX_AGE_MS: '0' });
});
afterAll(async () => {
  await sys?.stop();
});

const active = (token: string, options: { ua?: string; ip?: string; headers?: Record<string, string> } = {}) => sys.api.call('GET', '/api/v1/auth/tokens/active', { token, ...options });

describe('device binding', () => {
  it('refuses the token from another User-Agent (401, device_mismatch logged), and only warns on a new IP', async () => {
    const a = await registerAndLogin(sys.api, { ua: PHONE_UA });
    expect((await active(a.access, { ip: '198.51.100.1' })).status).toBe(200);
    const other = await active(a.access, { ua: LAPTOP_UA, ip: '198.51.100.1' });
    expect(other.status).toBe(401);
    expect(other.body.code).toBe('invalid_token');
    const jti = decodeJwt(a.access).jti;
    expect(sys.api.logs().some((l) => l.event_type === 'device_mismatch' && l.token_id === jti && l.user_id === a.userId)).toBe(true);

    expect((await active(a.access, { ip: '198.51.100.2' })).status).toBe(200);
    const warning = sys.api.logs().find((l) => l.event_type === 'token_ip_changed' && l.token_id === jti);
    expect(warning).toMatchObject({ level: 'warn', previous_ip: '198.51.100.1', client_ip: '198.51.100.2', user_id: a.userId });
  });

  it('records refused tokens as aggregated TokenValidationFailed events on the stream', async () => {
    const a = await registerAndLogin(sys.api, { ua: PHONE_UA });
    for (let i = 0; i < 3; i++) expect((await active(a.access, { ua: LAPTOP_UA, ip: '192.0.2.77' })).status).toBe(401);
    const nc = await natsConnection();
    try {
      // Aggregated per window: the three refusals arrive as one event, or a few if a window closed between them.
      const events = await waitFor(async () => {
        const found = (await readStream(nc, sys.api.topology.streams.tokenEvents.name)).filter((m) => m.data.type === 'TokenValidationFailed' && m.data.userId === a.userId);
        return found.reduce((n, m) => n + (m.data.data.count as number), 0) === 3 ? found : null;
      }, { what: 'TokenValidationFailed counting 3 refusals', timeoutMs: 10_000 });
      expect(events.length).toBeLessThanOrEqual(2);
      for (const event of events) {
        const parsed = TokenValidationFailed.parse(event.data);
        expect(parsed.data).toMatchObject({ reason: 'device_mismatch', clientIp: '192.0.2.77', userAgent: LAPTOP_UA, tokenId: decodeJwt(a.access).jti });
        expect(parsed.actor).toEqual({ kind: 'service', id: 'token-api' });
        expect(event.subject).toBe(sys.api.topology.tokenEventSubject('TokenValidationFailed', a.userId));
      }
    } finally {
      await nc.close();
    }
  });
});

describe('geo restriction', () => {
  it('refuses a country outside the token’s list (403 forbidden, geo_blocked logged) and a missing header', async () => {
    const a = await registerAndLogin(sys.api);
    await sys.api.sql(`update $schema.users set allowed_countries = '{FR,DE}' where id = $1`, [a.userId]);
    const restricted = await login(sys.api, a.email);
    expect(decodeJwt(restricted.access).ctry).toEqual(['FR', 'DE']);
    expect((await active(restricted.access, { headers: { 'x-country-code': 'fr' } })).status).toBe(200);
    const abroad = await active(restricted.access, { headers: { 'x-country-code': 'US' } });
    expect(abroad.status).toBe(403);
    expect(abroad.body.code).toBe('forbidden');
    expect((await active(restricted.access)).status).toBe(403);
    expect(sys.api.logs().some((l) => l.event_type === 'geo_blocked' && l.user_id === a.userId && l.country === 'US')).toBe(true);
    // A token issued before the restriction carries no ctry and is not restricted.
    expect((await active(a.access, { headers: { 'x-country-code': 'US' } })).status).toBe(200);
  });
});

describe('per-token rate limit', () => {
  it('refuses the 61st call in a minute with a limit of 60: 429, Retry-After, counted and logged; other tokens unaffected', async () => {
    const a = await registerAndLogin(sys.api);
    const before = await metric(sys.api, 'auth_rate_limit_hit_total');
    for (let i = 0; i < 60; i++) expect((await active(a.access)).status).toBe(200);
    const refused = await active(a.access);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await metric(sys.api, 'auth_rate_limit_hit_total')).toBe(before + 1);
    expect(sys.api.logs().some((l) => l.event_type === 'rate_limited' && l.user_id === a.userId)).toBe(true);
    const second = await login(sys.api, a.email);
    expect((await active(second.access)).status).toBe(200);
  });
});

describe('last use and metrics', () => {
  it('writes last_used_at in coalesced batches and shows it in the listing', async () => {
    const a = await registerAndLogin(sys.api);
    const jti = decodeJwt(a.access).jti!;
    const before = Date.now();
    for (let i = 0; i < 5; i++) await active(a.access);
    const [row] = await waitFor(async () => {
      const rows = await sys.api.sql('select last_used_at from $schema.auth_tokens where id = $1 and last_used_at is not null', [jti]);
      return rows.length ? rows : null;
    }, { what: 'last_used_at flushed', timeoutMs: 5_000 });
    expect((row!.last_used_at as Date).getTime()).toBeGreaterThanOrEqual(before - 5);
    const listed = (await active(a.access)).body.items.find((t: { tokenId: string }) => t.tokenId === jti);
    expect(Date.parse(listed.lastUsedAt)).toBeGreaterThanOrEqual(before - 5);
  });

  it('counts created and revoked tokens and gauges the active ones', async () => {
    const createdBefore = await metric(sys.api, 'auth_tokens_created_total', 'type="ACCESS"');
    const revokedBefore = await metric(sys.api, 'auth_tokens_revoked_total', 'reason="user_request"');
    const a = await registerAndLogin(sys.api);
    expect(await metric(sys.api, 'auth_tokens_created_total', 'type="ACCESS"')).toBe(createdBefore + 1);
    expect(await metric(sys.api, 'auth_tokens_created_total', 'type="REFRESH"')).toBeGreaterThan(0);
    await sys.api.call('DELETE', `/api/v1/auth/tokens/${decodeJwt(a.access).jti}`, { token: a.access });
    expect(await metric(sys.api, 'auth_tokens_revoked_total', 'reason="user_request"')).toBe(revokedBefore + 1);
    const [{ n }] = (await sys.api.sql(`select count(*)::int as n from $schema.auth_tokens where token_type = 'REFRESH' and status = 'ACTIVE' and expires_at > now()`)) as [{ n: number }];
    expect(await metric(sys.api, 'auth_tokens_active_gauge', 'type="REFRESH"')).toBe(n);
  });
});

describe('revocation through the revocation service', () => {
  it('another replica refuses a token revoked here once the REVOCATIONS entry reaches its mirror', async () => {
    const b = await sys.replica();
    const a = await registerAndLogin(sys.api);
    expect((await b.call('GET', '/api/v1/auth/tokens/active', { token: a.access })).status).toBe(200);
    expect((await introspect(b, a.access)).body.active).toBe(true);

    await sys.api.call('DELETE', `/api/v1/auth/tokens/${decodeJwt(a.access).jti}`, { token: a.access });
    // Replica b never saw the command: only the event → revocation service → KV → its mirror.
    await waitFor(async () => ((await b.call('GET', '/api/v1/auth/tokens/active', { token: a.access })).status === 401 ? true : null), { what: 'replica b refuses', timeoutMs: 5_000 });
    expect((await introspect(b, a.access)).body).toEqual({ active: false });
    const health = await b.call('GET', '/health');
    expect(health.body.checks.revocation_state.detail.source).toBe('mirror');
  });
});
