import { randomUUID } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createTokenEvent, parseTokenEvent } from '@tessera/contracts';
import { provisionStreams, Topology, withSpan } from '@tessera/platform';
import { installTestTracing, testNatsUrl, uniqueSuffix } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SWEEPER_ACTOR } from '../src/sweep/announcements.js';
import { deterministicUuidV7 } from '../src/sweep/event-id.js';
import { PipelinedPublisher, type Outgoing } from '../src/sweep/publisher.js';

installTestTracing();
const topology = new Topology({ namespace: `swp${uniqueSuffix()}`, eventsMaxAgeMs: 3_600_000 });
const other = new Topology({ namespace: `swq${uniqueSuffix()}`, eventsMaxAgeMs: 3_600_000 });
let nc: NatsConnection;
let jsm: JetStreamManager;
let publisher: PipelinedPublisher;
const stream = () => topology.streams.tokenEvents.name;

beforeAll(async () => {
  nc = await connect({ servers: testNatsUrl() });
  jsm = await jetstreamManager(nc);
  await provisionStreams(nc, topology);
  await provisionStreams(nc, other);
  publisher = new PipelinedPublisher(nc, { stream: stream(), timeoutMs: 1_000 });
});

afterAll(async () => {
  publisher?.close();
  for (const t of [topology, other]) for (const s of Object.values(t.streams)) await jsm.streams.delete(s.name).catch(() => {});
  await nc.close();
});

function expiry(t: Topology = topology): Outgoing {
  const userId = randomUUID();
  const tokenId = randomUUID();
  const at = Date.now();
  return {
    subject: t.tokenEventSubject('TokenExpired', userId),
    msgId: `expired:${tokenId}`,
    event: createTokenEvent('TokenExpired', {
      id: deterministicUuidV7(at, `expired:${tokenId}`),
      occurredAt: new Date(at).toISOString(),
      userId,
      actor: SWEEPER_ACTOR,
      data: { tokenId, tokenType: 'ACCESS', expiresAt: new Date(at).toISOString() },
    }),
  };
}

const stored = async () => (await jsm.streams.info(stream())).state.messages;

describe('PipelinedPublisher', () => {
  it('stores a batch, and a republished batch comes back as duplicates', async () => {
    const before = await stored();
    const batch = Array.from({ length: 500 }, () => expiry());
    expect(await publisher.publishAll(batch)).toEqual({ emitted: 500, duplicates: 0 });
    expect(await publisher.publishAll([...batch.slice(0, 200), expiry()])).toEqual({ emitted: 1, duplicates: 200 });
    expect(await stored()).toBe(before + 501);
  });

  it('stores the event as JSON with its msgId and the active trace context', async () => {
    const message = expiry();
    const traceId = await withSpan('sweep test', {}, async (span) => {
      await publisher.publishAll([message]);
      return span.spanContext().traceId;
    });
    const last = await jsm.streams.getMessage(stream(), { last_by_subj: message.subject });
    expect(last?.header.get('Nats-Msg-Id')).toBe(message.msgId);
    expect(last?.header.get('traceparent')).toContain(traceId);
    expect(parseTokenEvent(last?.json())).toMatchObject({ success: true, data: message.event });
  });

  it('fails with ERR_PUBLISH_NO_STREAM when no stream captures the subject', async () => {
    const nowhere = new Topology({ namespace: `none${uniqueSuffix()}`, eventsMaxAgeMs: 60_000 });
    await expect(publisher.publishAll([expiry(), expiry(nowhere)])).rejects.toMatchObject({ code: 'ERR_PUBLISH_NO_STREAM' });
  });

  it('fails with ERR_PUBLISH_REJECTED when the subject belongs to another stream', async () => {
    await expect(publisher.publishAll([expiry(other)])).rejects.toMatchObject({ code: 'ERR_PUBLISH_REJECTED' });
    expect((await jsm.streams.info(other.streams.tokenEvents.name)).state.messages).toBe(0);
  });

  it('fails with ERR_PUBLISH_TIMEOUT when nothing acknowledges, and ignores a late answer', async () => {
    const silent = `swsilent${uniqueSuffix()}.tokens.expired.x`;
    const sub = nc.subscribe(silent, {
      callback: (_e, msg) => {
        // Answer only after the publisher gave up.
        setTimeout(() => msg.respond(JSON.stringify({ stream: stream(), seq: 1 })), 1_500);
      },
    });
    const started = Date.now();
    await expect(publisher.publishAll([{ ...expiry(), subject: silent }])).rejects.toMatchObject({ code: 'ERR_PUBLISH_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    await new Promise<void>((r) => setTimeout(r, 800));
    sub.unsubscribe();
    // Still usable afterwards.
    expect(await publisher.publishAll([expiry()])).toEqual({ emitted: 1, duplicates: 0 });
  });

  it('an empty batch is a no-op', async () => {
    expect(await publisher.publishAll([])).toEqual({ emitted: 0, duplicates: 0 });
  });
});
