import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { startSystem, type TestSystem } from '../support/system.js';
import { UA } from './support/surfaces.js';

/*
 * Free text a client sends and Tessera stores (revocation reasons: a text column, then the event's
 * jsonb payload, then the audit row and socket pushes). PostgreSQL refuses NUL in text and lone
 * UTF-16 surrogates in jsonb, so such input must be refused as a 400 at the boundary — not reach
 * the database and come back as a 500.
 */
let system: TestSystem;
let client: ApiClient;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  system = await startSystem({ with: [] });
  client = new ApiClient(system.url['token-api'], UA);
});
afterAll(async () => {
  await system?.stop();
});

const HOSTILE_TEXT: Array<[string, string]> = [
  ['NUL', 'lost\u0000phone'],
  ['a lone high surrogate', 'lost \ud800 phone'],
  ['a lone low surrogate', 'lost \udc00 phone'],
  ['C0 control characters', 'lost\u0007\u001b[31mphone'],
];

describe('stored free text', () => {
  for (const [what, reason] of HOSTILE_TEXT) {
    it(`a revocation reason with ${what} is refused with 400 on every route that stores one`, async () => {
      const email = `text-${Math.random().toString(36).slice(2)}@example.com`;
      const { id } = await client.register(email, PASSWORD);
      const pair = await client.login(email, PASSWORD);
      const jti = String(decodeJwt(pair.access_token).jti);
      const one = await client.call('DELETE', `/api/v1/auth/tokens/${jti}`, { token: pair.access_token, body: { reason } });
      expect(one.status, JSON.stringify(one.body)).toBe(400);
      // A URL cannot carry a lone surrogate (its UTF-8 does not exist); the other cases go in the query too.
      if (!/[\ud800-\udfff]/.test(reason)) {
        const viaQuery = await client.call('DELETE', `/api/v1/auth/tokens/${jti}?reason=${encodeURIComponent(reason)}`, { token: pair.access_token });
        expect(viaQuery.status, JSON.stringify(viaQuery.body)).toBe(400);
      }
      const all = await client.call('DELETE', `/api/v1/auth/tokens/all/${id}`, { token: pair.access_token, body: { reason } });
      expect(all.status, JSON.stringify(all.body)).toBe(400);
      // Nothing was revoked by the refused calls.
      expect((await client.call('GET', '/api/v1/auth/tokens/active', { token: pair.access_token })).status).toBe(200);
    });
  }

  it('ordinary Unicode in a reason is stored and answered as sent', async () => {
    const email = `text-ok-${Math.random().toString(36).slice(2)}@example.com`;
    await client.register(email, PASSWORD);
    const pair = await client.login(email, PASSWORD);
    const jti = String(decodeJwt(pair.access_token).jti);
    const res = await client.call('DELETE', `/api/v1/auth/tokens/${jti}`, { token: pair.access_token, body: { reason: 'Téléphone perdu 📱 — 紛失' } });
    expect(res.status).toBe(200);
  });
});
