import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { createRegistry } from '../metrics.js';
import { captureLogger } from '../testing/logs.js';
import { createHttpApp } from './app.js';
import type { HealthCheck } from './health.js';
import { closeServer, listen } from './server.js';
import { parseBody } from './validate.js';

const { logger, lines } = captureLogger('http-test');
const registry = createRegistry('http-test');
let dependencyUp = true;
const checks: HealthCheck[] = [
  { name: 'postgres', readiness: true, check: () => ({ status: dependencyUp ? 'UP' : 'DOWN' }) },
  { name: 'nats', readiness: false, check: () => ({ status: 'DOWN', detail: { connected: false } }) },
];
let server: Server;
let base: string;

beforeAll(async () => {
  const app = createHttpApp({
    logger,
    registry,
    health: checks,
    routes: (r) => {
      r.post('/echo', (req, res) => {
        res.json(parseBody(z.strictObject({ name: z.string().max(10) }), req));
      });
      r.get('/items/:id', (req, res) => void res.json({ id: req.params.id }));
      r.get('/locked', () => {
        throw new AppError(423, 'account_locked', 'Account locked', { headers: { 'Retry-After': '30' } });
      });
      r.get('/challenge', () => {
        throw new AppError(401, 'mfa_required', 'A second factor is required', { extensions: { mfa_ticket: 'ticket-1', status: 200, code: 'ok', detail: 'overridden' } });
      });
      r.get('/hidden', () => {
        throw new AppError(409, 'conflict', 'held by replica-7', { expose: false, extensions: { internal: 'replica-7' } });
      });
      r.get('/db-down', () => {
        throw Object.assign(new Error('terminating connection due to administrator command at 10.0.0.7'), { code: '57P01' });
      });
      r.get('/crash', () => {
        throw new Error('db password is hunter2 at /srv/secret.ts:12');
      });
    },
  });
  ({ server } = await listen(app, 0, '127.0.0.1').then((r) => ((base = `http://127.0.0.1:${r.port}`), r)));
});
afterAll(() => closeServer(server));

const post = (path: string, body: string, type = 'application/json') => fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

describe('problem+json errors', () => {
  it('answers unknown routes with a 404 problem', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: 'about:blank', status: 404, code: 'not_found', title: 'Not Found' });
  });

  it('names the failing fields of a bad body', async () => {
    const res = await post('/echo', JSON.stringify({ name: 'x'.repeat(11), extra: 1 }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; errors: Array<{ path: string }> };
    expect(body.code).toBe('validation_failed');
    expect(body.errors.map((e) => e.path).sort()).toEqual(['(root)', 'name']);
  });

  it('refuses malformed JSON with 400 and bodies over 16 KiB with 413', async () => {
    expect((await post('/echo', '{"name":')).status).toBe(400);
    const big = await post('/echo', JSON.stringify({ name: 'x'.repeat(17 * 1024) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'payload_too_large', status: 413 });
    const form = await post('/echo', `name=${'x'.repeat(17 * 1024)}`, 'application/x-www-form-urlencoded');
    expect(form.status).toBe(413);
  });

  it('sets headers an AppError carries', async () => {
    const res = await fetch(`${base}/locked`);
    expect(res.status).toBe(423);
    expect(res.headers.get('retry-after')).toBe('30');
  });

  it('renders extension members beside the standard ones, never over them, and only when exposed', async () => {
    const res = await fetch(`${base}/challenge`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ status: 401, code: 'mfa_required', detail: 'A second factor is required', mfa_ticket: 'ticket-1' });
    const hidden = await fetch(`${base}/hidden`);
    expect(hidden.status).toBe(409);
    expect(await hidden.text()).not.toContain('replica-7');
  });

  it('never leaks an unexpected error, but logs it with the request id', async () => {
    const res = await fetch(`${base}/crash`, { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toMatch(/hunter2|secret\.ts|at /);
    expect(JSON.parse(text)).toMatchObject({ code: 'internal_error', detail: 'An internal error occurred', instance: 'urn:request:req-123' });
    const logged = lines().find((l) => l.message === 'request failed');
    expect(logged).toMatchObject({ request_id: 'req-123' });
  });

  it('answers 503 with Retry-After, revealing nothing, when the database cannot be reached', async () => {
    const res = await fetch(`${base}/db-down`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('1');
    const text = await res.text();
    expect(text).not.toMatch(/administrator|10\.0\.0\.7/);
    expect(JSON.parse(text)).toMatchObject({ status: 503, code: 'service_unavailable' });
  });
});

describe('skeleton', () => {
  it('sends security headers and no x-powered-by', async () => {
    const res = await fetch(`${base}/items/1`);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a request id that could inject into logs', async () => {
    const res = await fetch(`${base}/items/1`, { headers: { 'x-request-id': 'a b"}{' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reports health: live always, ready by readiness checks, full by all checks', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'UP', checks: { postgres: { status: 'UP' } } });
    const full = await fetch(`${base}/health`);
    expect(full.status).toBe(503);
    expect(await full.json()).toMatchObject({ status: 'DOWN', checks: { postgres: { status: 'UP' }, nats: { status: 'DOWN' } } });
    dependencyUp = false;
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    dependencyUp = true;
  });

  it('exposes request metrics labelled by route template', async () => {
    await fetch(`${base}/items/42`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{method="GET",status="200",service="http-test"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*endpoint="\/items\/:id",method="GET"\} [1-9]/);
    expect(text).not.toContain('endpoint="/items/42"');
    expect(text).toContain('process_resident_memory_bytes');
  });
});
