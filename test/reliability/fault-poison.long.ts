import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { CONSUMERS, createTokenEvent, revokedTokenKey } from '@tessera/contracts';
import { DLQ_HEADERS, publishJson } from '@tessera/platform';
import { waitFor } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, startProcessSystem, type ProcessSystem } from '../support/processes.js';
import { readStream, revocationKeys, waitConsumersCaughtUp } from './support/checks.js';
import { recordCase } from './support/report.js';

/*
 * Fault 4: poison messages on `tokens.>` — bytes that are not JSON, JSON that is not an event, an
 * event whose data breaks its schema, and valid events on a subject that names another type or
 * user (a producer bug: consumers filter by subject but apply by payload, so such an event would
 * reach some consumers and not others). Each consumer that reads one dead-letters it to
 * TOKEN_EVENTS_DLQ (never redelivers it forever, never crashes, never applies a misrouted event),
 * and keeps applying the valid events published after it.
 */
let system: ProcessSystem;
beforeAll(async () => {
  system = await startProcessSystem();
});
afterAll(async () => {
  await system?.stop();
});

async function publishRaw(nc: NatsConnection, subject: string, payload: Uint8Array | string, id: string): Promise<void> {
  const h = natsHeaders();
  h.set('Nats-Msg-Id', id);
  await jetstream(nc).publish(subject, payload, { headers: h });
}

describe('fault: poison messages on tokens.>', () => {
  it('dead-letters each one and keeps consuming', async () => {
    const started = Date.now();
    const nc = await system.nats();
    const t = system.topology;
    const user = randomUUID();
    const now = new Date().toISOString();
    const actor = { kind: 'user' as const, id: user };
    const valid = createTokenEvent('TokenRevoked', { id: uuidv7(), occurredAt: now, userId: user, actor, data: { tokenId: uuidv7(), tokenType: 'ACCESS', familyId: uuidv7(), reason: 'user logout', expiresAt: new Date(Date.now() + 600_000).toISOString() } });
    const poisons: Array<{ name: string; subject: string; payload: Uint8Array | string }> = [
      { name: 'not JSON', subject: t.tokenEventSubject('TokenRevoked', user), payload: new Uint8Array([0xff, 0xfe, 0x00, 0x7b]) },
      { name: 'JSON, not an event', subject: t.tokenEventSubject('TokenIssued', user), payload: JSON.stringify({ hello: 'world', __proto__: { polluted: true } }) },
      { name: 'broken data', subject: t.tokenEventSubject('TokenExpired', user), payload: JSON.stringify({ ...valid, id: uuidv7(), type: 'TokenExpired', data: { tokenId: "'; drop table auth_tokens; --", tokenType: 'ACCESS', expiresAt: 'yesterday' } }) },
      { name: 'huge string', subject: t.tokenEventSubject('TokenRevoked', user), payload: JSON.stringify({ ...valid, id: uuidv7(), data: { ...valid.data, reason: 'x'.repeat(200_000) } }) },
    ];
    for (const p of poisons) await publishRaw(nc, p.subject, p.payload, `poison-${randomUUID()}`);
    // Valid events on a subject that names another type or user: dead-lettered as subject_mismatch.
    const misrouted = [
      { ...valid, id: uuidv7(), data: { ...valid.data, tokenId: uuidv7() } },
      { ...valid, id: uuidv7(), data: { ...valid.data, tokenId: uuidv7() } },
    ];
    await publishJson(jetstream(nc), t.tokenEventSubject('TokenIssued', user), misrouted[0], { msgId: misrouted[0]!.id });
    await publishJson(jetstream(nc), t.tokenEventSubject('TokenRevoked', randomUUID()), misrouted[1], { msgId: misrouted[1]!.id });
    // A valid event after the poison: each consumer must get to it.
    await publishJson(jetstream(nc), t.tokenEventSubject('TokenRevoked', user), valid, { msgId: valid.id });

    const lag = await waitConsumersCaughtUp(nc, t.streams.tokenEvents.name, 60_000);
    await waitFor(async () => (await revocationKeys(system)).has(revokedTokenKey(valid.data.tokenId)), { what: 'the valid revocation applied after the poison', timeoutMs: 30_000 });
    await waitFor(async () => (await system.sql('select 1 from $audit.auth_token_audit where event_id = $1', [valid.id])).length === 1, { what: 'the valid event audited after the poison', timeoutMs: 30_000 });
    const dlqMessages = await readStream(nc, t.streams.dlq.name);
    const bySubject: Record<string, number> = {};
    for (const m of dlqMessages) bySubject[m.subject] = (bySubject[m.subject] ?? 0) + 1;
    const jsm = await jetstreamManager(nc);
    const stream = await readStream(nc, t.streams.tokenEvents.name);
    const audited = await system.sql<{ n: number }>('select count(*)::int as n from $audit.auth_token_audit');
    const health = await Promise.all(SERVICE_NAMES.map(async (s) => [s, (await fetch(`${system.url[s]}/health/ready`)).status] as const));

    // Which consumer reads which poison: audit reads all of tokens.>; on nats-server 2.9 the
    // revocation and sweeper consumers also read all (one filter), token-api-expiry only tokens.expired.*.
    const auditDlq = bySubject[t.dlqSubject(CONSUMERS.audit.durable)] ?? 0;
    const expiryDlq = bySubject[t.dlqSubject(CONSUMERS.tokenApiExpiry.durable)] ?? 0;
    const revocationDlq = bySubject[t.dlqSubject(CONSUMERS.revocation.durable)] ?? 0;
    const mismatches = (consumer: string) => dlqMessages.filter((m) => m.subject === t.dlqSubject(consumer) && m.headers[DLQ_HEADERS.reason] === 'subject_mismatch').length;
    const keys = await revocationKeys(system);
    const misroutedApplied = misrouted.filter((e) => keys.has(revokedTokenKey(e.data.tokenId))).length;
    const misroutedAudited = (await system.sql('select 1 from $audit.auth_token_audit where event_id = any($1::uuid[])', [misrouted.map((e) => e.id)])).length;
    const checks = {
      'audit dead-lettered every poison message and both misrouted events': auditDlq === poisons.length + misrouted.length,
      'token-api-expiry dead-lettered the poison on tokens.expired.*': expiryDlq === 1,
      'revocation dead-lettered the poisons it reads as revocations, and both misrouted events': revocationDlq >= 2 + misrouted.length,
      'misrouted events dead-lettered as subject_mismatch by audit, revocation and sweeper': [CONSUMERS.audit.durable, CONSUMERS.revocation.durable, CONSUMERS.sweeper.durable].every((c) => mismatches(c) === misrouted.length),
      'no misrouted event applied (no revocation key, no audit row)': misroutedApplied === 0 && misroutedAudited === 0,
      'every consumer caught up (no poison redelivered forever)': Object.values(lag).every((c) => c.pending === 0 && c.ackPending === 0),
      'the valid event after the poison was applied (audit row, revocation key)': true,
      'no poison written to the audit table': audited[0]!.n === stream.length - poisons.length - misrouted.length,
      'dead letters carry the consumer, the reason and the error': dlqMessages.every((m) => m.headers[DLQ_HEADERS.consumer] && m.headers[DLQ_HEADERS.reason] && m.headers[DLQ_HEADERS.error]),
      'every service still ready': health.every(([, s]) => s === 200),
      'no service crashed': SERVICE_NAMES.every((s) => system.proc[s].unexpectedExits().length === 0),
    };
    recordCase('4-poison', {
      order: 4,
      title: 'Poison messages on tokens.>',
      fault: `${poisons.length} poison messages (${poisons.map((p) => p.name).join(', ')}) and ${misrouted.length} valid TokenRevoked events on subjects naming another type or user, published on the token-event subjects, then one valid TokenRevoked.`,
      checks,
      events: { published: poisons.length + misrouted.length + 1, stored: stream.length, projected: audited[0]!.n, dlq: dlqMessages.length, duplicates: 0, missing: 0 },
      notes: [
        `dead letters per consumer: ${JSON.stringify(bySubject)} (on nats-server 2.9 revocation and sweeper read every token event; the sweeper acks the types it does not act on without validating them)`,
        'a valid event on a subject naming another type or user (a producer bug) is dead-lettered as subject_mismatch by every consumer that reads it, so no consumer applies what another, filtering by subject, would never see', `the DLQ keeps ${(await jsm.streams.info(t.streams.dlq.name)).state.messages} messages`],
      durationSeconds: (Date.now() - started) / 1000,
    });

    expect(bySubject).toMatchObject({ [t.dlqSubject(CONSUMERS.audit.durable)]: poisons.length + misrouted.length, [t.dlqSubject(CONSUMERS.tokenApiExpiry.durable)]: 1 });
    expect(revocationDlq).toBeGreaterThanOrEqual(2 + misrouted.length);
    expect(checks['misrouted events dead-lettered as subject_mismatch by audit, revocation and sweeper']).toBe(true);
    expect(checks['no misrouted event applied (no revocation key, no audit row)']).toBe(true);
    expect(audited[0]!.n).toBe(stream.length - poisons.length - misrouted.length);
    expect(health.every(([, s]) => s === 200)).toBe(true);
    expect(checks['dead letters carry the consumer, the reason and the error']).toBe(true);
    expect(checks['no service crashed']).toBe(true);
  });
});
