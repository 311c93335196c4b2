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

  // Every consumer has handled every event of the logout once each has the same TokenRevoked
  // events in its spans; spans end as the consumers finish, so wait for that, not for a name.
  const revokedEvents = (spans: ReadableSpan[], name: string) =>
    new Set(
      spans
        .filter((s) => s.name === name && s.attributes['tessera.event_type'] === 'TokenRevoked' && s.attributes['tessera.user_id'] === userId)
        .map((s) => `${s.attributes['tessera.event_id']}/${s.attributes['tessera.token_id']}`),
    );
  const sameSets = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
  const inTrace = await waitFor(() => {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const atRevocation = revokedEvents(spans, 'revocation process');
    const complete = atRevocation.size > 0 && sameSets(atRevocation, revokedEvents(spans, 'audit process')) && sameSets(atRevocation, revokedEvents(spans, 'notifier deliver'));
    return complete ? spans : null;
  }, { what: 'the logout\'s events in the spans of all four services', timeoutMs: 15_000 });

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
  // The session's TokenRevoked events carry the event id (= Nats-Msg-Id), user and token ids.
  expect(revokedEvents(inTrace, 'revocation process').size).toBeGreaterThan(0);
  for (const span of named('revocation process')) expect(span.attributes['messaging.message.id']).toBe(span.attributes['tessera.event_id']);
  socket.close();
});
