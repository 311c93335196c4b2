import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createTestIssuer } from '../testing/index.js';
import { createVerifier, type Verifier } from '../index.js';

let cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

it('keeps trying to load the keys in the background while the issuer is not up yet', async () => {
  const issuer = await createTestIssuer();
  let up = false;
  const server = createServer((_req, res) => {
    if (!up) return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(() => server.close());
  const verifier: Verifier = createVerifier({ jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, issuer: issuer.issuer, audience: issuer.audience });
  cleanup.push(() => verifier.close());

  await new Promise((r) => setTimeout(r, 300));
  expect(verifier.status().keys.loaded).toBe(false);
  up = true;
  // No verify() call: only the background retry can load them.
  const deadline = Date.now() + 5_000;
  while (!verifier.status().keys.loaded && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(verifier.status().keys.loaded).toBe(true);
});
