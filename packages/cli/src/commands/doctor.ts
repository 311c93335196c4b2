import { CONSUMERS } from '@tessera/contracts';
import { probe, type Check } from '../checks.js';
import { serviceUrls, type ServiceName } from '../settings.js';
import type { SystemAccess } from '../system.js';

export interface DoctorOptions {
  /** Pending messages per consumer above which the lag is a warning. */
  lagWarning: number;
  outboxWarning: number;
}

interface Health {
  status: string;
  checks?: Record<string, { status: string; detail?: Record<string, unknown> }>;
}

async function fetchHealth(url: string): Promise<Health> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) });
  return (await res.json()) as Health;
}

/** Each service's /health: UP, or the names of the checks that are DOWN. */
async function serviceChecks(system: SystemAccess): Promise<{ checks: Check[]; health: Partial<Record<ServiceName, Health>> }> {
  const urls = serviceUrls(system.settings);
  const health: Partial<Record<ServiceName, Health>> = {};
  const checks = await Promise.all(
    (Object.entries(urls) as Array<[ServiceName, string]>).map(async ([name, url]): Promise<Check> => {
      try {
        const h = await fetchHealth(url);
        health[name] = h;
        const down = Object.entries(h.checks ?? {}).filter(([, c]) => c.status !== 'UP').map(([n]) => n);
        return h.status === 'UP'
          ? { name: `service ${name}`, status: 'ok', detail: `UP (${url})` }
          : { name: `service ${name}`, status: 'fail', detail: `DOWN: ${down.join(', ') || 'unknown'} (${url})` };
      } catch (error) {
        return { name: `service ${name}`, status: 'fail', detail: `not answering at ${url}: ${(error as Error).message}` };
      }
    }),
  );
  return { checks, health };
}

async function natsChecks(system: SystemAccess, options: DoctorOptions): Promise<Check[]> {
  const nc = await system.nats();
  const jsm = await system.jsm();
  const checks: Check[] = [{ name: 'nats', status: 'ok', detail: `reachable (${nc.getServer()}, server ${nc.info?.version ?? '?'})` }];
  const { tokenEvents, dlq, keyEvents } = system.topology.streams;
  for (const stream of [tokenEvents, dlq, keyEvents]) {
    checks.push(
      ...(await probe(`stream ${stream.name}`, async () => {
        const info = await jsm.streams.info(stream.name);
        const isDlq = stream.name === dlq.name;
        const messages = info.state.messages;
        if (isDlq && messages > 0) return { name: `stream ${stream.name}`, status: 'warn', detail: `${messages} dead-lettered message(s): tessera dlq list`, data: { messages } };
        return { name: `stream ${stream.name}`, status: 'ok', detail: `${messages} messages`, data: { messages } };
      })),
    );
  }
  for (const consumer of Object.values(CONSUMERS)) {
    const name = `consumer ${consumer.durable}`;
    checks.push(
      ...(await probe(name, async () => {
        const info = await jsm.consumers.info(tokenEvents.name, consumer.durable);
        const lag = info.num_pending + info.num_ack_pending;
        const status = lag > options.lagWarning ? 'warn' : 'ok';
        return { name, status, detail: `lag ${lag} (pending ${info.num_pending}, unacked ${info.num_ack_pending})`, data: { lag } };
      })),
    );
  }
  checks.push(
    ...(await probe(`bucket ${system.topology.revocationsBucket}`, async () => {
      const info = await jsm.streams.info(`KV_${system.topology.revocationsBucket}`);
      return { name: `bucket ${system.topology.revocationsBucket}`, status: 'ok', detail: `${info.state.messages} entries`, data: { entries: info.state.messages } };
    })),
  );
  return checks;
}

function outboxCheck(health: Health | undefined, options: DoctorOptions): Check {
  const detail = health?.checks?.outbox?.detail as { backlog?: number } | undefined;
  if (typeof detail?.backlog !== 'number') return { name: 'outbox', status: 'warn', detail: 'token-api reports no outbox backlog' };
  const status = detail.backlog > options.outboxWarning ? 'warn' : 'ok';
  return { name: 'outbox', status, detail: `${detail.backlog} event(s) waiting to be published`, data: { backlog: detail.backlog } };
}

/**
 * The reference runbook's "startup verification" as one command: every service healthy,
 * Postgres and NATS reachable, streams, consumers and bucket present, consumer lag, outbox
 * backlog and dead letters.
 */
export async function doctor(system: SystemAccess, options: DoctorOptions): Promise<Check[]> {
  const { checks: services, health } = await serviceChecks(system);
  const postgres = await probe('postgres', async () => {
    const started = Date.now();
    await system.query('select 1');
    return { name: 'postgres', status: 'ok', detail: `reachable (${Date.now() - started} ms)` };
  });
  const nats = await probe('nats', () => natsChecks(system, options));
  return [...services, ...postgres, ...nats, outboxCheck(health['token-api'], options)];
}
