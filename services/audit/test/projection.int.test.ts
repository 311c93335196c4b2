import { jetstreamManager } from '@nats-io/jetstream';
import { TokenEventType, UNKNOWN_USER_ID, type TokenEvent } from '@tessera/contracts';
import { DLQ_HEADERS, publishJson } from '@tessera/platform';
import { waitFor } from '@tessera/platform/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAuditRow } from '../src/projection/to-row.js';
import { insertAuditRows } from '../src/projection/write-rows.js';
import { makeEvent, newUserId, startHarness, type AuditHarness } from './support/harness.js';

let h: AuditHarness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function rowsOf(userId: string) {
  const { rows } = await sql<Record<string, any>>`
    select event_id, action, user_id, token_id, actor_kind, actor_id, host(client_ip) as client_ip, user_agent, reason,
           occurred_at, stream_seq, data, recorded_at
    from auth_token_audit where user_id = ${userId} order by stream_seq`.execute(h.database.db);
  return rows;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('audit projection', () => {
  it('lands every event type once, with the lifted columns and the whole payload', async () => {
    const userId = newUserId();
    const admin = newUserId();
    const events: TokenEvent[] = TokenEventType.options.map((type) =>
      makeEvent(type, userId, { actor: type === 'TokenRevoked' ? { kind: 'admin', id: admin } : { kind: 'user', id: userId } }),
    );
    const seqs = [];
    for (const event of events) seqs.push((await h.publish(event)).seq);

    const rows = await waitFor(async () => {
      const r = await rowsOf(userId);
      return r.length === events.length ? r : null;
    }, { what: 'one row per event' });

    for (const [i, event] of events.entries()) {
      const row = rows[i]!;
      const data = event.data as Record<string, unknown>;
      expect(row).toMatchObject({
        event_id: event.id,
        action: event.type,
        user_id: userId,
        token_id: (data['tokenId'] as string | undefined) ?? null,
        actor_kind: event.actor.kind,
        actor_id: event.actor.id,
        client_ip: (data['clientIp'] as string | undefined) ?? null,
        user_agent: (data['userAgent'] as string | undefined) ?? null,
        reason: (data['reason'] as string | undefined) ?? null,
        stream_seq: seqs[i],
        data: event.data,
      });
      expect((row['occurred_at'] as Date).toISOString()).toBe(event.occurredAt);
      expect(row['recorded_at']).toBeInstanceOf(Date);
    }
    expect(rows.find((r) => r['action'] === 'TokenRevoked')).toMatchObject({ actor_kind: 'admin', actor_id: admin, reason: 'user logout' });
  });

  it('records a validation failure of an unknown user under the nil UUID', async () => {
    const event = makeEvent('TokenValidationFailed', UNKNOWN_USER_ID, { data: { reason: 'malformed', count: 40 } });
    await h.publish(event);
    const row = await waitFor(async () => (await rowsOf(UNKNOWN_USER_ID)).find((r) => r['event_id'] === event.id), { what: 'nil-user row' });
    expect(row).toMatchObject({ reason: 'malformed', data: { count: 40 } });
  });

  it('adds nothing for a duplicate publish, inside or outside the stream dedupe window', async () => {
    const userId = newUserId();
    const event = makeEvent('TokenIssued', userId);
    const first = await h.publish(event);
    const deduped = await h.publish(event);
    expect(deduped).toEqual({ seq: first.seq, duplicate: true });
    // Published again under another msg id (e.g. after the 2-minute window): a second message.
    const second = await h.publish(event, `${event.id}-again`);
    expect(second.duplicate).toBe(false);
    const marker = makeEvent('PasswordChanged', userId);
    await h.publish(marker);

    await waitFor(async () => (await rowsOf(userId)).some((r) => r['event_id'] === marker.id), { what: 'marker row' });
    const rows = await rowsOf(userId);
    expect(rows.map((r) => r['event_id'])).toEqual([event.id, marker.id]);
    expect(rows[0]!['stream_seq']).toBe(first.seq);
    expect(await metric('audit_duplicate_events_total')).toBeGreaterThanOrEqual(1);
  });

  it('adds nothing when an event is redelivered after its row was written (crash before ack)', async () => {
    const userId = newUserId();
    const event = makeEvent('TokenRevoked', userId);
    // The first delivery's insert committed, then the process died before the ack: the row
    // exists and the message is still in the stream for the durable consumer.
    await insertAuditRows(h.database.db, [toAuditRow(event, 0)]);
    const before = (await rowsOf(userId))[0]!;
    await h.publish(event);
    const marker = makeEvent('PasswordChanged', userId);
    await h.publish(marker);
    await waitFor(async () => (await rowsOf(userId)).length === 2, { what: 'marker row' });
    const after = await rowsOf(userId);
    expect(after[0]).toEqual(before);
    const jsm = await jetstreamManager(h.nc);
    await waitFor(async () => (await jsm.consumers.info(h.topology.streams.tokenEvents.name, 'audit')).num_ack_pending === 0, { what: 'all acked' });
  });

  it('resumes after a restart without losing or doubling events', async () => {
    const userId = newUserId();
    const before = [makeEvent('TokenIssued', userId), makeEvent('TokenIssued', userId)];
    for (const e of before) await h.publish(e);
    await waitFor(async () => (await rowsOf(userId)).length === 2, { what: 'rows before restart' });
    await h.service.stop();
    const during = [makeEvent('TokenRevoked', userId), makeEvent('LogoutAll', userId)];
    for (const e of during) await h.publish(e);
    await h.restart();
    await waitFor(async () => (await rowsOf(userId)).length === 4, { what: 'rows published while down' });
    // Rows keep arriving after the restart and nothing is doubled.
    const late = makeEvent('PasswordChanged', userId);
    await h.publish(late);
    await waitFor(async () => (await rowsOf(userId)).length === 5, { what: 'row after restart' });
    expect((await rowsOf(userId)).map((r) => r['event_id'])).toEqual([...before, ...during, late].map((e) => e.id));
  });

  it('dead-letters a message that is not a valid event instead of writing it', async () => {
    const userId = newUserId();
    const bogus = { ...makeEvent('TokenRevoked', userId), data: { tokenId: 'nope' } };
    await publishJson(h.js, h.topology.tokenEventSubject('TokenRevoked', userId), bogus, { msgId: bogus.id });
    const marker = makeEvent('PasswordChanged', userId);
    await h.publish(marker);
    await waitFor(async () => (await rowsOf(userId)).length === 1, { what: 'marker row' });
    expect((await rowsOf(userId))[0]!['event_id']).toBe(marker.id);

    const jsm = await jetstreamManager(h.nc);
    const dlq = h.topology.streams.dlq.name;
    const message = await waitFor(async () => {
      const info = await jsm.streams.info(dlq);
      return info.state.messages > 0 ? jsm.streams.getMessage(dlq, { last_by_subj: h.topology.dlqSubject('audit') }) : null;
    }, { what: 'DLQ message' });
    expect(message!.header.get(DLQ_HEADERS.reason)).toBe('invalid_message');
  });

  it('reports rows written, projection delay and consumer lag', async () => {
    const userId = newUserId();
    const written = await metric('audit_rows_written_total');
    const delays = await metric('audit_projection_delay_seconds_count');
    for (let i = 0; i < 3; i++) await h.publish(makeEvent('TokenIssued', userId));
    await waitFor(async () => (await rowsOf(userId)).length === 3, { what: 'rows' });
    await waitFor(async () => (await metric('audit_rows_written_total')) === written + 3, { what: 'rows written counted' });
    expect(await metric('audit_projection_delay_seconds_count')).toBe(delays + 3);
    // Lag is read from the consumer info: it settles at zero once everything is consumed.
    await waitFor(async () => (await metric('consumer_pending_messages')) === 0, { what: 'lag gauge at 0' });

    // With the projection stopped, published events are pending, and the new replica's gauge
    // shows them before it has caught up.
    const pending = 25;
    await h.service.stop();
    for (let i = 0; i < pending; i++) await h.publish(makeEvent('TokenIssued', userId));
    const jsm = await jetstreamManager(h.nc);
    expect((await jsm.consumers.info(h.topology.streams.tokenEvents.name, 'audit')).num_pending).toBe(pending);
    await h.restart();
    await waitFor(async () => (await rowsOf(userId)).length === 3 + pending, { what: 'backlog projected' });
    await waitFor(async () => (await metric('consumer_pending_messages')) === 0, { what: 'lag back to 0' });
  });
});
