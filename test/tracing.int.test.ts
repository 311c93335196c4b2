import { installTestTracing, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from './support/client.js';
import { TestSocket } from './support/sockets.js';
import { startSystem, type TestSystem } from './support/system.js';

/*
 * Issue 9: one trace from an HTTP revoke call through the outbox publish, the revocation
 * consumer's KV write, the notifier's socket push and the audit insert. Every service runs in
 * this process with an in-memory exporter, so all their spans land in one place.
 */
const exporter = installTestTracing();
let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({ with: ['revocation', 'notifier', 'audit'] });
});
afterAll(() => system?.stop());

it('follows one revoke call across token-api, revocation, notifier and audit', async () => {
  const api = new ApiClient(system.url['token-api']);
  const email = `trace-${uniqueSuffix()}@example.com`;
  const { id: userId } = await api.register(email, 'correct horse battery');
  const watcher = await api.login(email, 'correct horse battery');
  const victim = await api.login(email, 'correct horse battery');
  const socket = await TestSocket.open(`${system.url.notifier.replace('http', 'ws')}/ws/tokens`, { token: watcher.access_token });
  socket.send({ type: 'SUBSCRIBE', userId });
  await socket.next('SUBSCRIBED');
  exporter.reset();

  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const res = await api.call('POST', '/api/v1/auth/logout', { token: victim.access_token, headers: { traceparent } });
  expect(res.status, JSON.stringify(res.body)).toBe(204);
  await socket.next('TOKEN_REVOKED');
  const traceId = traceparent.split('-')[1]!;

  const inTrace = await waitFor(() => {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = new Set(spans.map((s) => s.name));
    return ['revocation process', 'notifier deliver', 'audit process'].every((n) => names.has(n)) ? spans : null;
  }, { what: 'spans of all four services in the trace', timeoutMs: 15_000 });

  const named = (name: string) => inTrace.filter((s: ReadableSpan) => s.name === name);
  const http = named('POST /api/v1/auth/logout');
  expect(http).toHaveLength(1);
  expect(http[0]!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  // Each consumer's span is a child of the request's trace, and carries ids, never a token.
  for (const span of [...named('revocation process'), ...named('audit process'), ...named('notifier deliver')]) {
    expect(span.attributes['messaging.destination.name']).toMatch(new RegExp(`^${system.namespace}\\.tokens\\.[a-z_]+\\.${userId}$`));
    expect(JSON.stringify(span.attributes)).not.toContain(victim.access_token);
    expect(JSON.stringify(span.attributes)).not.toContain(victim.refresh_token);
  }
  // The session's refresh token was revoked: its TokenRevoked event is in every consumer's spans,
  // with the event id (= Nats-Msg-Id), the user and the token as attributes.
  const revokedEvents = (name: string) =>
    new Set(named(name).filter((s) => s.attributes['tessera.event_type'] === 'TokenRevoked' && s.attributes['tessera.user_id'] === userId).map((s) => `${s.attributes['tessera.event_id']}/${s.attributes['tessera.token_id']}`));
  const atRevocation = revokedEvents('revocation process');
  expect(atRevocation.size).toBeGreaterThan(0);
  expect(revokedEvents('audit process')).toEqual(atRevocation);
  expect(revokedEvents('notifier deliver')).toEqual(atRevocation);
  for (const span of named('revocation process')) expect(span.attributes['messaging.message.id']).toBe(span.attributes['tessera.event_id']);
  socket.close();
});
