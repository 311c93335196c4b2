import { AuditTrailResponse, Problem, type AuditEntry } from '@tessera/contracts';
import { waitFor } from '@tessera/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent, newUserId, startHarness, type AuditHarness } from './support/harness.js';

let h: AuditHarness;
const alice = newUserId();
const bob = newUserId();
const admin = newUserId();
const tokens = { alice: '', bob: '', admin: '' };
const BASE = Date.parse('2026-03-01T12:00:00.000Z');
const seeded: Array<{ id: string; occurredAt: string; type: string }> = [];

const trail = (userId: string, token: string | undefined, query = '') => h.get(`/api/v1/auth/tokens/audit/${userId}${query}`, token);

async function countRows(userId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::bigint as n from auth_token_audit where user_id = ${userId}`.execute(h.database.db);
  return rows[0]!.n;
}

beforeAll(async () => {
  h = await startHarness();
  tokens.alice = await h.jwks.mint({ sub: alice, scope: 'READ_PROFILE READ_TOKENS' });
  tokens.bob = await h.jwks.mint({ sub: bob });
  tokens.admin = await h.jwks.mint({ sub: admin, scope: 'READ_TOKENS ADMIN_TOKENS' });
  // 60 events for alice, minutes apart, with pairs sharing an instant (ties broken by event id).
  const types = ['TokenIssued', 'TokenRevoked', 'TokenIssued', 'LogoutAll', 'TokenReuseDetected', 'TokenValidationFailed'] as const;
  for (let i = 0; i < 60; i++) {
    const occurredAt = new Date(BASE + Math.floor(i / 2) * 60_000);
    const event = makeEvent(types[i % types.length]!, alice, { occurredAt });
    seeded.push({ id: event.id, occurredAt: event.occurredAt, type: event.type });
    await h.publish(event);
  }
  for (let i = 0; i < 3; i++) await h.publish(makeEvent('TokenIssued', bob, { occurredAt: new Date(BASE + i * 1000) }));
  await waitFor(async () => (await countRows(alice)) === 60 && (await countRows(bob)) === 3, { what: 'seeded rows' });
});
afterAll(async () => {
  await h?.close();
});

/** Newest first; ties on the instant by event id, descending (what the keyset orders by). */
const expectedOrder = (rows: typeof seeded) =>
  [...rows].sort((a, b) => (a.occurredAt === b.occurredAt ? (a.id < b.id ? 1 : -1) : a.occurredAt < b.occurredAt ? 1 : -1)).map((r) => r.id);

async function readAll(userId: string, token: string, query: string, between?: (page: number) => Promise<void>): Promise<AuditEntry[]> {
  const items: AuditEntry[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = query ? '&' : '';
    const res = await trail(userId, token, `?${query}${cursor ? `${sep}cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    const body = AuditTrailResponse.parse(res.body);
    items.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return items;
    await between?.(page);
  }
  throw new Error('pagination did not end');
}

describe('GET /api/v1/auth/tokens/audit/{userId}', () => {
  it('gives a user their own trail, newest first, in the contracts shape', async () => {
    const res = await trail(alice, tokens.alice, '?limit=5');
    expect(res.status).toBe(200);
    const body = AuditTrailResponse.parse(res.body);
    expect(body.items.map((i) => i.eventId)).toEqual(expectedOrder(seeded).slice(0, 5));
    expect(body.nextCursor).toEqual(expect.any(String));
    const issued = (await readAll(alice, tokens.alice, 'action=TokenIssued&limit=1')).at(0)!;
    expect(issued).toMatchObject({ action: 'TokenIssued', userId: alice, actor: { kind: 'user', id: alice }, clientIp: '203.0.113.7' });
    // Lifted fields are not repeated in details; the rest of the payload is there.
    expect(issued.details).not.toHaveProperty('clientIp');
    expect(issued.details).not.toHaveProperty('tokenId');
    expect(issued.details).toHaveProperty('familyId');
    expect(issued.details).toHaveProperty('scopes');
  });

  it('pages through everything exactly once, in keyset order', async () => {
    const items = await readAll(alice, tokens.alice, 'limit=7');
    expect(items.map((i) => i.eventId)).toEqual(expectedOrder(seeded));
  });

  it('stays stable while new events land between pages', async () => {
    const before = expectedOrder(seeded);
    const added: typeof seeded = [];
    const items = await readAll(alice, tokens.alice, 'limit=9', async (page) => {
      // Newer events, and late ones with an instant inside the range already paged through.
      for (const occurredAt of [new Date(BASE + 3_600_000 + page), new Date(BASE + 5 * 60_000)]) {
        const event = makeEvent('TokenIssued', alice, { occurredAt });
        added.push({ id: event.id, occurredAt: event.occurredAt, type: event.type });
        await h.publish(event);
      }
      await waitFor(async () => (await countRows(alice)) === 60 + added.length, { what: 'concurrent rows' });
    });
    const ids = items.map((i) => i.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    // Every row that existed when paging started is there, in order; new rows only where the
    // keyset had not reached yet.
    expect(ids.filter((id) => before.includes(id))).toEqual(before);
    const orderOfShown = expectedOrder([...seeded, ...added].filter((r) => ids.includes(r.id)));
    expect(ids).toEqual(orderOfShown);
    seeded.push(...added);
  });

  it('filters by action and by [from, to)', async () => {
    const revoked = await readAll(alice, tokens.alice, 'action=TokenRevoked&limit=4');
    expect(revoked.map((i) => i.eventId)).toEqual(expectedOrder(seeded.filter((r) => r.type === 'TokenRevoked')));

    const from = new Date(BASE + 10 * 60_000).toISOString();
    const to = new Date(BASE + 20 * 60_000).toISOString();
    const ranged = await readAll(alice, tokens.alice, `from=${from}&to=${to}&limit=6`);
    expect(ranged.map((i) => i.eventId)).toEqual(expectedOrder(seeded.filter((r) => r.occurredAt >= from && r.occurredAt < to)));
    expect(ranged.length).toBeGreaterThanOrEqual(20);

    const both = await readAll(alice, tokens.alice, `action=TokenIssued&from=${from}&to=${to}`);
    expect(both.map((i) => i.eventId)).toEqual(
      expectedOrder(seeded.filter((r) => r.type === 'TokenIssued' && r.occurredAt >= from && r.occurredAt < to)),
    );
    // An offset in `from` is honoured.
    const offset = await readAll(alice, tokens.alice, `from=${encodeURIComponent('2026-03-01T13:10:00+01:00')}&to=${to}`);
    expect(offset.map((i) => i.eventId)).toEqual(expectedOrder(seeded.filter((r) => r.occurredAt >= from && r.occurredAt < to)));
  });

  it('answers another user with the same 404 as an unknown user, and admins with the trail', async () => {
    const other = await trail(bob, tokens.alice);
    const unknown = await trail(newUserId(), tokens.alice);
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    const strip = ({ instance: _i, ...rest }: Record<string, unknown>) => rest;
    expect(strip(other.body)).toEqual(strip(unknown.body));
    expect(Problem.parse(other.body).code).toBe('not_found');
    expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/);

    const asAdmin = AuditTrailResponse.parse((await trail(bob, tokens.admin)).body);
    expect(asAdmin.items).toHaveLength(3);
    expect(asAdmin.items.every((i) => i.userId === bob)).toBe(true);
    const adminUnknown = await trail(newUserId(), tokens.admin);
    expect(adminUnknown.status).toBe(200);
    expect(adminUnknown.body).toEqual({ items: [], nextCursor: null });

    // Bob sees his own, and only his own.
    const own = AuditTrailResponse.parse((await trail(bob, tokens.bob)).body);
    expect(own.items.map((i) => i.userId)).toEqual([bob, bob, bob]);
    // Upper-case ids name the same user.
    expect((await trail(bob.toUpperCase(), tokens.bob)).status).toBe(200);
  });

  it.each([
    ['no token', async () => undefined, 401, 'unauthorized'],
    ['a token signed by another key', async () => h.jwks.mint({ sub: alice, key: 'untrusted' }), 401, 'invalid_token'],
    ['another issuer', async () => h.jwks.mint({ sub: alice, iss: 'https://evil.example' }), 401, 'invalid_token'],
    ['another audience', async () => h.jwks.mint({ sub: alice, aud: 'other-api' }), 401, 'invalid_token'],
    ['an expired token', async () => h.jwks.mint({ sub: alice, expiresIn: '-1m' }), 401, 'invalid_token'],
    ['no scope claim', async () => h.jwks.mint({ sub: alice, scope: null }), 401, 'invalid_token'],
    ['a non-UUID subject', async () => h.jwks.mint({ sub: 'alice@example.com' }), 401, 'invalid_token'],
    ['garbage', async () => 'not.a.jwt', 401, 'invalid_token'],
  ])('refuses %s', async (_label, token, status, code) => {
    const res = await trail(alice, await token());
    expect(res.status).toBe(status);
    expect(Problem.parse(res.body).code).toBe(code);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.stringify(res.body)).not.toMatch(/ERR_|stack|jose/i);
  });

  it('grants nothing for a scope it does not know, and still checks the known ones', async () => {
    // ROOT is not a Tessera scope: ignored, so the token reads its own trail but no one else's.
    const token = await h.jwks.mint({ sub: alice, scope: 'READ_TOKENS ROOT' });
    expect((await trail(alice, token)).status).toBe(200);
    expect((await trail(bob, token)).status).toBe(404);
  });

  it.each([
    ['a non-UUID user id', '/api/v1/auth/tokens/audit/not-a-uuid', 'userId'],
    ['limit 0', `/api/v1/auth/tokens/audit/${alice}?limit=0`, 'limit'],
    ['limit 101', `/api/v1/auth/tokens/audit/${alice}?limit=101`, 'limit'],
    ['an unknown action', `/api/v1/auth/tokens/audit/${alice}?action=Hacked`, 'action'],
    ['a bad from', `/api/v1/auth/tokens/audit/${alice}?from=yesterday`, 'from'],
    ['from after to', `/api/v1/auth/tokens/audit/${alice}?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z`, 'to'],
    ['a forged cursor', `/api/v1/auth/tokens/audit/${alice}?cursor=${Buffer.from('12:nope').toString('base64url')}`, 'cursor'],
    ['a cursor with bad characters', `/api/v1/auth/tokens/audit/${alice}?cursor=a.b`, 'cursor'],
    ['an unknown parameter', `/api/v1/auth/tokens/audit/${alice}?userId=${bob}`, '(root)'],
    ['a repeated parameter', `/api/v1/auth/tokens/audit/${alice}?limit=1&limit=2`, 'limit'],
  ])('answers %s with a 400 problem naming the field', async (_label, path, field) => {
    const res = await h.get(path, tokens.alice);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = Problem.parse(res.body);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors?.map((e) => e.path)).toContain(field);
  });
});

describe('when the JWKS cannot be fetched', () => {
  it('answers 503, not 401, and reveals nothing', async () => {
    const broken = await startHarness({ JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json' });
    try {
      const res = await broken.get(`/api/v1/auth/tokens/audit/${alice}`, tokens.alice);
      expect(res.status).toBe(503);
      expect(Problem.parse(res.body).code).toBe('service_unavailable');
    } finally {
      await broken.close();
    }
  });
});
