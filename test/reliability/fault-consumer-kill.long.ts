import { randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { CONSUMERS, createTokenEvent, revokedSessionKey, revokedTokenKey, type TokenEvent } from '@tessera/contracts';
import { publishJson } from '@tessera/platform';
import { waitFor } from '@tessera/platform/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_NAMES, startProcessSystem, type ProcessSystem, type ServiceName } from '../support/processes.js';
import { readStream, waitConsumersCaughtUp } from './support/checks.js';
import { recordCase } from './support/report.js';
import { Recorder, startTraffic, type Revoked } from './support/traffic.js';

/*
 * Fault 3: each consumer process — revocation, audit, sweeper, and token-api as the
 * `token-api-expiry` consumer — is killed with SIGKILL in the middle of a backlog (some messages
 * acknowledged, some delivered and unacknowledged, some still pending) and started again. Nothing
 * may be lost or applied twice: audit rows = stream messages, every revocation in the bucket
 * (each key written once), every expiry-schedule row present once, every expired token marked.
 * Runs on the shared NATS and PostgreSQL (no server is stopped), under its own namespace/schemas.
 */
let system: ProcessSystem;

beforeAll(async () => {
  system = await startProcessSystem({ env: { OUTBOX_RELAY_INTERVAL_MS: '500' }, serviceEnv: { audit: { AUDIT_BATCH_SIZE: '200' } } });
});
afterAll(async () => {
  await system?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ORDER: Array<{ service: ServiceName; durable: string }> = [
  { service: 'audit', durable: CONSUMERS.audit.durable },
  { service: 'revocation', durable: CONSUMERS.revocation.durable },
  { service: 'sweeper', durable: CONSUMERS.sweeper.durable },
  { service: 'token-api', durable: CONSUMERS.tokenApiExpiry.durable },
];

describe('fault: every consumer process SIGKILLed mid-batch and restarted', () => {
  it('loses nothing and applies nothing twice', async () => {
    const started = Date.now();
    const nc = await system.nats();
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const stream = system.topology.streams.tokenEvents.name;

    // Real traffic first: real tokens to expire later, real revocations.
    const recorder = new Recorder();
    const revoked: Revoked[] = [];
    const live: Array<{ access: string; refresh: string }> = [];
    const traffic = startTraffic({ base: system.url['token-api'], users: 3, pauseMs: 30, maxMs: 60_000, recorder, revoked, live, useDelete: true });
    await sleep(8_000);
    await traffic.stop();
    await waitConsumersCaughtUp(nc, stream);

    // Every consumer down; a backlog lands that all four must work through.
    for (const { service } of ORDER) await system.proc[service].kill('SIGKILL');
    const liveAccess = await system.sql<{ id: string; user_id: string; expires_at: Date }>(`select id, user_id, expires_at from $token_api.auth_tokens where status = 'ACTIVE' and token_type = 'ACCESS'`);
    const backlog: TokenEvent[] = [];
    const expect_ = { jti: new Set<string>(), sid: new Set<string>(), scheduled: new Set<string>(), unscheduled: new Set<string>() };
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const actor = { kind: 'system' as const, id: 'reliability-test' };
    for (let i = 0; i < 3_000; i++) {
      const userId = randomUUID();
      const familyId = uuidv7();
      const access = uuidv7();
      const refresh = uuidv7();
      const common = { userAgent: 'reliability', clientIp: '127.0.0.1', fingerprint: 'f'.repeat(64), scopes: ['READ_PROFILE' as const] };
      backlog.push(createTokenEvent('TokenIssued', { id: uuidv7(), occurredAt: at(now), userId, actor, data: { tokenId: access, tokenType: 'ACCESS', familyId, issuedAt: at(now), expiresAt: at(now + 900_000), ...common } }));
      backlog.push(createTokenEvent('TokenIssued', { id: uuidv7(), occurredAt: at(now), userId, actor, data: { tokenId: refresh, tokenType: 'REFRESH', familyId, issuedAt: at(now), expiresAt: at(now + 86_400_000), ...common } }));
      if (i % 2 === 0) {
        backlog.push(createTokenEvent('TokenRevoked', { id: uuidv7(), occurredAt: at(now + 1), userId, actor, data: { tokenId: refresh, tokenType: 'REFRESH', familyId, reason: 'user logout', expiresAt: at(now + 86_400_000) } }));
        expect_.jti.add(revokedTokenKey(refresh));
        expect_.sid.add(revokedSessionKey(familyId));
        expect_.unscheduled.add(refresh);
      } else expect_.scheduled.add(refresh);
      if (i % 4 === 1) {
        backlog.push(createTokenEvent('TokenRevoked', { id: uuidv7(), occurredAt: at(now + 1), userId, actor, data: { tokenId: access, tokenType: 'ACCESS', familyId, reason: 'revoked by user', expiresAt: at(now + 900_000) } }));
        expect_.jti.add(revokedTokenKey(access));
        expect_.unscheduled.add(access);
      } else expect_.scheduled.add(access);
    }
    // TokenExpired, as the sweeper announces them: the real live access tokens, plus unknown ids.
    for (const row of liveAccess) {
      backlog.push(createTokenEvent('TokenExpired', { id: uuidv7(), occurredAt: row.expires_at.toISOString(), userId: row.user_id, actor: { kind: 'system', id: 'sweeper' }, data: { tokenId: row.id, tokenType: 'ACCESS', expiresAt: row.expires_at.toISOString() } }));
    }
    for (let i = 0; i < 6_000; i++) {
      backlog.push(createTokenEvent('TokenExpired', { id: uuidv7(), occurredAt: at(now), userId: randomUUID(), actor: { kind: 'system', id: 'sweeper' }, data: { tokenId: uuidv7(), tokenType: 'ACCESS', expiresAt: at(now) } }));
    }
    for (let i = 0; i < backlog.length; i += 500) {
      await Promise.all(backlog.slice(i, i + 500).map((e) => publishJson(js, system.topology.tokenEventSubject(e.type, e.userId), e, { msgId: e.id })));
    }

    // One consumer at a time: start, kill it once it is part-way through, start it again.
    const kills: Record<string, { ackFloorAtKill: number; deliveredAtKill: number; pendingAtKill: number; ackPendingAtKill: number; midBatch: boolean }> = {};
    for (const { service, durable } of ORDER) {
      const before = await jsm.consumers.info(stream, durable);
      const floor0 = before.ack_floor.stream_seq;
      const starting = system.proc[service].start().catch(() => {});
      let atKill = before;
      await waitFor(
        async () => {
          atKill = await jsm.consumers.info(stream, durable);
          return (atKill.ack_floor.stream_seq > floor0 && atKill.num_pending > 0) || (atKill.num_pending === 0 && atKill.num_ack_pending === 0);
        },
        { timeoutMs: 120_000, intervalMs: 10, what: `${durable} part-way through its backlog` },
      );
      await system.proc[service].kill('SIGKILL');
      await starting;
      const midBatch = atKill.ack_floor.stream_seq > floor0 && atKill.num_pending > 0;
      await system.proc[service].start();
      await waitFor(async () => {
        const i = await jsm.consumers.info(stream, durable);
        return i.num_pending === 0 && i.num_ack_pending === 0;
      }, { timeoutMs: 180_000, intervalMs: 250, what: `${durable} caught up after the restart` });
      kills[service] = {
        ackFloorAtKill: atKill.ack_floor.stream_seq,
        deliveredAtKill: atKill.delivered.stream_seq,
        pendingAtKill: atKill.num_pending,
        ackPendingAtKill: atKill.num_ack_pending,
        midBatch,
      };
    }
    const lag = await waitConsumersCaughtUp(nc, stream);

    // Audit: one row per stream message, none missing, none twice.
    const messages = await readStream(nc, stream);
    const audit = await system.sql<{ event_id: string }>('select event_id from $audit.auth_token_audit');
    const auditIds = new Set(audit.map((a) => a.event_id));
    const streamIds = new Set(messages.map((m) => String(m.data.id)));
    const auditMissing = [...streamIds].filter((id) => !auditIds.has(id));
    // Revocation: every expected key live, each written exactly once (one message per subject).
    const bucket = system.topology.revocationsBucket;
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: '>' });
    const writes = info.state.subjects ?? {};
    const keyWrites = (key: string) => writes[`$KV.${bucket}.${key}`] ?? 0;
    const blacklistMissing = [...expect_.jti, ...expect_.sid].filter((k) => keyWrites(k) === 0);
    const blacklistRewritten = [...expect_.jti, ...expect_.sid].filter((k) => keyWrites(k) > 1);
    // Sweeper: the schedule holds exactly the synthetic tokens that were not revoked.
    const schedule = new Set((await system.sql<{ token_id: string }>('select token_id from $sweeper.expiry_schedule')).map((r) => r.token_id));
    const scheduleMissing = [...expect_.scheduled].filter((t) => !schedule.has(t));
    const scheduleWrong = [...expect_.unscheduled].filter((t) => schedule.has(t));
    // token-api: every real access token announced expired is EXPIRED.
    const expired = await system.sql<{ n: number }>(`select count(*)::int as n from $token_api.auth_tokens where id = any($1::uuid[]) and status = 'EXPIRED'`, [liveAccess.map((r) => r.id)]);
    const dlq = (await jsm.streams.info(system.topology.streams.dlq.name)).state.messages;
    const auditMetrics = await (await fetch(`${system.url.audit}/metrics`)).text();
    const auditDuplicates = Number(/^audit_duplicate_events_total(?:\{[^}]*\})? (\d+)/m.exec(auditMetrics)?.[1] ?? 'NaN');

    const checks = {
      'each consumer killed part-way (some acked, some pending)': Object.values(kills).every((k) => k.midBatch),
      'audit rows = stream messages, every event once': audit.length === messages.length && auditMissing.length === 0 && auditIds.size === audit.length,
      'blacklist complete (every jti/sid key present)': blacklistMissing.length === 0,
      'no revocation key written twice': blacklistRewritten.length === 0,
      'expiry schedule exact (no row missing, none for revoked tokens)': scheduleMissing.length === 0 && scheduleWrong.length === 0,
      'every announced expiry applied by token-api': expired[0]!.n === liveAccess.length,
      'every consumer caught up': Object.values(lag).every((c) => c.pending === 0 && c.ackPending === 0),
      'nothing dead-lettered': dlq === 0,
      'no unexpected exit': SERVICE_NAMES.every((s) => system.proc[s].unexpectedExits().length === 0),
    };
    recordCase('3-consumer-sigkill', {
      order: 3,
      title: 'Each consumer SIGKILLed mid-batch',
      fault: `A backlog of ${backlog.length} events (3,000 synthetic sessions: TokenIssued ×2, TokenRevoked for half the sessions and a quarter of the access tokens; TokenExpired for the ${liveAccess.length} live access tokens of real traffic and 6,000 unknown ids) published while every consumer was down; then audit, revocation, sweeper and token-api (token-api-expiry) each started, SIGKILLed once part-way through, and started again.`,
      checks,
      events: { published: backlog.length, stored: messages.length, projected: audit.length, dlq, duplicates: audit.length - auditIds.size, missing: auditMissing.length },
      notes: [
        ...Object.entries(kills).map(([s, k]) => `${s}: at the kill ack floor at stream seq ${k.ackFloorAtKill}, delivered up to ${k.deliveredAtKill}, ${k.ackPendingAtKill} delivered unacknowledged, ${k.pendingAtKill} pending`),
        `audit_duplicate_events_total of the restarted audit (redelivered events already written, dropped by the primary key): ${auditDuplicates}`,
        `revocation keys expected ${expect_.jti.size + expect_.sid.size}, missing ${blacklistMissing.length}, written more than once ${blacklistRewritten.length}; schedule rows expected ${expect_.scheduled.size}, missing ${scheduleMissing.length}, wrongly present ${scheduleWrong.length}`,
        `"published" here = the backlog published directly to the stream (the sweeper's role) plus nothing else; stream total includes the ${messages.length - backlog.length} events of the real traffic before it`,
      ],
      durationSeconds: (Date.now() - started) / 1000,
    });

    expect(kills).toSatisfy((k: typeof kills) => Object.values(k).every((x) => x.midBatch), JSON.stringify(kills));
    expect(auditMissing).toEqual([]);
    expect(audit.length).toBe(messages.length);
    expect(blacklistMissing).toEqual([]);
    expect(blacklistRewritten).toEqual([]);
    expect(scheduleMissing).toEqual([]);
    expect(scheduleWrong).toEqual([]);
    expect(expired[0]!.n).toBe(liveAccess.length);
    expect(liveAccess.length).toBeGreaterThan(0);
    expect(dlq).toBe(0);
    expect(checks['no unexpected exit']).toBe(true);
  });
});
