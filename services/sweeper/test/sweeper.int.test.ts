import { DLQ_HEADERS, type RunningService } from '@tessera/platform';
import { captureLogger, waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSweeper } from '../src/service.js';
import {
  countsByToken,
  createWorld,
  cutoffEvent,
  eventsInStream,
  issuedEvent,
  metricValue,
  publishEvent,
  publishEvents,
  revokedEvent,
  scheduledTokenIds,
  type World,
} from './harness.js';

const INTERVAL_MS = 200;
const WARNING_SECONDS = 2;
let world: World;
let sweeper: RunningService;

beforeAll(async () => {
  world = await createWorld('sweeper');
  sweeper = await startSweeper(
    world.config({ SWEEP_INTERVAL_MS: String(INTERVAL_MS), TOKEN_EXPIRING_WARNING_SECONDS: String(WARNING_SECONDS), CONSUMER_MAX_ATTEMPTS: '2' }),
    captureLogger('sweeper', 'warn').logger,
  );
  await sweeper.nats.connected();
});

afterAll(async () => {
  await sweeper?.stop();
  await world?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isScheduled = async (tokenId: string) => (await scheduledTokenIds(world)).includes(tokenId);
const http = (path: string) => fetch(`http://127.0.0.1:${sweeper.port}${path}`);

describe('expiry', () => {
  it('a token issued with a 2 s lifetime yields exactly one TokenExpired, after it expires', async () => {
    const issued = issuedEvent({ lifetimeMs: 2_000 });
    await publishEvent(world, issued);
    await waitFor(() => isScheduled(issued.data.tokenId), { what: 'the token scheduled' });

    const expired = await waitFor(async () => (await eventsInStream(world, 'TokenExpired')).find((e) => e.data.tokenId === issued.data.tokenId), {
      what: 'TokenExpired',
      timeoutMs: 20_000,
    });
    const expiresAtMs = Date.parse(issued.data.expiresAt);
    expect(expired.storedAtMs).toBeGreaterThanOrEqual(expiresAtMs);
    expect(expired).toMatchObject({
      userId: issued.userId,
      occurredAt: issued.data.expiresAt,
      actor: { kind: 'system', id: 'sweeper' },
      data: { tokenId: issued.data.tokenId, tokenType: 'ACCESS', expiresAt: issued.data.expiresAt },
    });
    expect(await isScheduled(issued.data.tokenId)).toBe(false);

    // Several more sweeps: still exactly one.
    await sleep(INTERVAL_MS * 4);
    expect((await countsByToken(world, 'TokenExpired')).get(issued.data.tokenId)).toBe(1);
  });

  it('a revoked token yields no TokenExpired (while a sibling issued alongside does)', async () => {
    const revoked = issuedEvent({ lifetimeMs: 1_500 });
    const control = issuedEvent({ lifetimeMs: 1_500, userId: revoked.userId, familyId: revoked.data.familyId });
    await publishEvents(world, [revoked, control, revokedEvent(revoked)]);

    await waitFor(async () => (await countsByToken(world, 'TokenExpired')).has(control.data.tokenId), { what: "the control token's expiry", timeoutMs: 20_000 });
    await sleep(INTERVAL_MS * 3);
    expect((await countsByToken(world, 'TokenExpired')).has(revoked.data.tokenId)).toBe(false);
    expect(await isScheduled(revoked.data.tokenId)).toBe(false);
  });

  it('a revocation that arrives before its TokenIssued still wins', async () => {
    const issued = issuedEvent({ lifetimeMs: 1_000 });
    const control = issuedEvent({ lifetimeMs: 1_000 });
    await publishEvents(world, [revokedEvent(issued)]);
    await waitFor(async () => (await world.database.db.selectFrom('revoked_token').select('token_id').where('token_id', '=', issued.data.tokenId).executeTakeFirst()) !== undefined, {
      what: 'the tombstone',
    });
    await publishEvents(world, [issued, control]);
    await waitFor(async () => (await countsByToken(world, 'TokenExpired')).has(control.data.tokenId), { what: "the control token's expiry", timeoutMs: 20_000 });
    expect((await countsByToken(world, 'TokenExpired')).has(issued.data.tokenId)).toBe(false);
  });
});

describe('logout everywhere', () => {
  it.each(['LogoutAll', 'PasswordChanged'] as const)('%s removes the rows issued before notBefore (ms) and keeps the newer ones', async (type) => {
    const userId = crypto.randomUUID();
    const notBefore = Date.now();
    const hour = 3_600_000;
    const older = [
      issuedEvent({ userId, issuedAtMs: notBefore - 60_000, lifetimeMs: hour }),
      issuedEvent({ userId, issuedAtMs: notBefore - 1, lifetimeMs: hour, tokenType: 'REFRESH' }),
    ];
    const newer = [issuedEvent({ userId, issuedAtMs: notBefore, lifetimeMs: hour }), issuedEvent({ userId, issuedAtMs: notBefore + 1, lifetimeMs: hour })];
    const otherUser = issuedEvent({ issuedAtMs: notBefore - 60_000, lifetimeMs: hour });
    await publishEvents(world, [...older, ...newer, otherUser]);
    const all = [...older, ...newer, otherUser].map((e) => e.data.tokenId);
    await waitFor(async () => {
      const scheduled = await scheduledTokenIds(world);
      return all.every((id) => scheduled.includes(id));
    }, { what: 'all five scheduled' });

    await publishEvent(world, cutoffEvent(type, userId, notBefore));
    await waitFor(async () => !(await isScheduled(older[1]!.data.tokenId)), { what: 'the older rows removed' });
    const scheduled = await scheduledTokenIds(world);
    expect(older.filter((e) => scheduled.includes(e.data.tokenId))).toEqual([]);
    expect(newer.every((e) => scheduled.includes(e.data.tokenId))).toBe(true);
    expect(scheduled).toContain(otherUser.data.tokenId);

    // A token issued before the cutoff whose TokenIssued arrives late is not scheduled either.
    const late = issuedEvent({ userId, issuedAtMs: notBefore - 5, lifetimeMs: hour });
    const marker = issuedEvent({ userId, issuedAtMs: notBefore + 5, lifetimeMs: hour });
    await publishEvents(world, [late, marker]);
    await waitFor(() => isScheduled(marker.data.tokenId), { what: 'the marker scheduled' });
    expect(await isScheduled(late.data.tokenId)).toBe(false);
  });
});

describe('pre-expiry warning', () => {
  it('warns a refresh token once, WARNING_SECONDS before it expires, then expires it; access tokens are not warned', async () => {
    const refresh = issuedEvent({ tokenType: 'REFRESH', lifetimeMs: 3_500 });
    const access = issuedEvent({ tokenType: 'ACCESS', lifetimeMs: 3_500, userId: refresh.userId });
    await publishEvents(world, [refresh, access]);

    const warning = await waitFor(async () => (await eventsInStream(world, 'TokenExpiring')).find((e) => e.data.tokenId === refresh.data.tokenId), {
      what: 'TokenExpiring',
      timeoutMs: 20_000,
    });
    const warnAtMs = Date.parse(refresh.data.expiresAt) - WARNING_SECONDS * 1000;
    expect(warning.storedAtMs).toBeGreaterThanOrEqual(warnAtMs);
    expect(warning.storedAtMs).toBeLessThan(Date.parse(refresh.data.expiresAt));
    expect(warning).toMatchObject({ occurredAt: new Date(warnAtMs).toISOString(), data: { familyId: refresh.data.familyId, expiresAt: refresh.data.expiresAt, tokenType: 'REFRESH' } });

    await waitFor(async () => (await countsByToken(world, 'TokenExpired')).has(refresh.data.tokenId), { what: 'the expiry', timeoutMs: 20_000 });
    expect((await countsByToken(world, 'TokenExpiring')).get(refresh.data.tokenId)).toBe(1);
    expect((await countsByToken(world, 'TokenExpiring')).has(access.data.tokenId)).toBe(false);
  });
});

describe('bad messages', () => {
  it('go to the DLQ, terminated, and the messages behind them are still applied', async () => {
    const userId = crypto.randomUUID();
    const issuedSubject = world.topology.tokenEventSubject('TokenIssued', userId);
    await world.js.publish(issuedSubject, 'not json');
    const invalid = issuedEvent({ userId, lifetimeMs: 3_600_000 }) as unknown as { data: Record<string, unknown> };
    delete invalid.data['expiresAt'];
    await world.js.publish(issuedSubject, JSON.stringify(invalid));
    const good = issuedEvent({ userId, lifetimeMs: 3_600_000 });
    await publishEvent(world, good);
    await waitFor(() => isScheduled(good.data.tokenId), { what: 'the good event applied' });

    const dlq = world.topology.streams.dlq.name;
    const dead = await waitFor(async () => {
      const info = await world.jsm.streams.info(dlq);
      if (info.state.messages < 2) return null;
      const out = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const m = await world.jsm.streams.getMessage(dlq, { seq });
        if (m && m.header.get(DLQ_HEADERS.subject) === issuedSubject) out.push({ subject: m.subject, reason: m.header.get(DLQ_HEADERS.reason), data: m.string() });
      }
      return out.length === 2 ? out : null;
    }, { what: 'two dead letters' });
    expect(dead.map((d) => d.subject)).toEqual([world.topology.dlqSubject('sweeper'), world.topology.dlqSubject('sweeper')]);
    expect(dead.map((d) => d.reason)).toEqual(['invalid_message', 'invalid_message']);
    expect(dead[0]?.data).toBe('not json');
    expect(await isScheduled(String(invalid.data['tokenId']))).toBe(false);
  });
});

describe('operations', () => {
  it('exposes lag, emitted events and batch durations; lag is in /health, not in readiness', async () => {
    const metrics = await (await http('/metrics')).text();
    expect(await metricValue(metrics, 'sweeper_events_emitted_total', 'kind="expired"')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(metrics, 'sweeper_publish_duplicates_total', 'kind="expired"')).toBe(0);
    expect(metrics).toMatch(/^sweeper_lag_seconds\{service="sweeper"\} \d/m);
    expect(metrics).toMatch(/^sweeper_batch_duration_seconds_count\{[^}]*kind="expired"[^}]*\} [1-9]/m);

    const health = (await (await http('/health')).json()) as { status: string; checks: Record<string, { status: string; detail?: Record<string, unknown> }> };
    expect(health.status).toBe('UP');
    expect(health.checks['sweep']).toMatchObject({ status: 'UP', detail: { running: true, lastError: null } });
    expect(typeof health.checks['sweep']?.detail?.['lagSeconds']).toBe('number');
    const ready = (await (await http('/health/ready')).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(ready.checks).sort()).toEqual(['nats', 'postgres']);
  });

  it('the consumer acks the event types it does not act on (its own TokenExpired included)', async () => {
    await waitFor(async () => {
      const info = await world.jsm.consumers.info(world.topology.streams.tokenEvents.name, 'sweeper');
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, { what: 'the sweeper consumer drained', timeoutMs: 20_000 });
    expect((await eventsInStream(world, 'TokenExpired')).length).toBeGreaterThan(0);
  });
});
