/**
 * `pnpm test:soak`: the whole system started the way an operator does (scripts/local-run.ts, every
 * service its own process, the gateway in front; shifted ports, prefixed schemas, own NATS
 * namespace) and a steady rate of mixed client traffic through the gateway for SOAK_SECONDS
 * (default 600). Reports the error rate, p50/p99 per operation, each service's RSS after the
 * warm-up and at the end, and whether every event reached the stream and the audit projection.
 * Exits 1 when a bound is broken. Environment: SOAK_SECONDS, SOAK_RATE (calls/s, default 20).
 *
 * Bounds (pass/fail): no network failure or timeout (15 s), non-2xx ≤ 0.1 % of calls, the rate
 * held, each service's RSS at the end ≤ its RSS after the warm-up × 1.5 + 32 MiB (a leak
 * proportional to traffic breaks it in 10 minutes), zero events lost or duplicated. Latencies
 * (p50/p99) are reported, not judged: this 2-core machine is shared, and timings never decide a test.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { deleteNatsNamespace, queryTestDatabase, testNatsUrl, uniqueSuffix, waitFor } from '@tessera/platform/testing';
import WebSocket from 'ws';
import { DURABLES, readStream } from './support/checks.js';
import { recordCase, renderReport } from './support/report.js';
import { PASSWORD, Recorder, UA, call, quantile } from './support/traffic.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const RATE = Number(process.env.SOAK_RATE ?? 20);
const WARMUP_SECONDS = Math.min(20, Math.max(5, Math.floor(SECONDS / 6)));
const suffix = uniqueSuffix();
const offset = 30_000 + Math.floor(Math.random() * 20_000);
const namespace = `soak${suffix}`;
const schemaPrefix = `t_soak_${suffix}_`;
const gateway = `http://127.0.0.1:${9003 + offset}`;
const CLIENT = { id: 'soak', secret: 'soak-secret-0123456789abcdef' };
const SERVICES = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function servicePids(runnerPid: number): Record<string, number> {
  const out: Record<string, number> = {};
  const children = readFileSync(`/proc/${runnerPid}/task/${runnerPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  for (const pid of children) {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const name = SERVICES.find((s) => cmd.includes(`services/${s}/src/main.ts`));
    if (name) out[name] = pid;
  }
  return out;
}

/** The services' ports under the runner's offset (deploy/gateway/routes.json). */
function servicePorts(): Record<string, number> {
  const routes = JSON.parse(readFileSync(`${root}deploy/gateway/routes.json`, 'utf8')) as { upstreams: Record<string, { port: number }> };
  return Object.fromEntries(Object.entries(routes.upstreams).map(([name, u]) => [name, u.port + offset]));
}

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

interface Session {
  userId: string;
  email: string;
  access: string;
  refresh: string;
}

async function main(): Promise<number> {
  const started = Date.now();
  process.stdout.write(`soak: ${SECONDS} s at ${RATE} calls/s through the gateway on :${9003 + offset} (namespace ${namespace})\n`);
  const runner = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-run.ts'], {
    cwd: root,
    env: { ...process.env, TESSERA_PORT_OFFSET: String(offset), TESSERA_SCHEMA_PREFIX: schemaPrefix, NATS_NAMESPACE: namespace, LOG_LEVEL: 'warn', INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  let ready = false;
  for (const stream of [runner.stdout!, runner.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 300) tail.shift();
      if (line.includes('tessera: all services ready')) ready = true;
    });
  }
  const stopRunner = async () => {
    if (runner.exitCode !== null) return;
    const exited = new Promise((r) => runner.once('exit', r));
    runner.kill('SIGINT');
    await exited;
  };
  try {
    await waitFor(() => {
      if (runner.exitCode !== null) throw new Error(`local runner exited ${runner.exitCode}:\n${tail.join('\n')}`);
      return ready;
    }, { timeoutMs: 180_000, intervalMs: 200, what: 'local runner ready' });
    const pids = servicePids(runner.pid!);
    const recorder = new Recorder();
    const basic = `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`;

    // A pool of users and live sessions; operations pick from it so none races another.
    const users: Array<{ email: string; userId: string }> = [];
    for (let i = 0; i < 20; i++) {
      const email = `soak-${i}-${suffix}@example.com`;
      const reg = await call(recorder, gateway, 'register', 'POST', '/api/v1/users', { body: { email, password: PASSWORD } });
      if (reg.status === 201) users.push({ email, userId: reg.body.id });
    }
    const sessions: Session[] = [];
    const busy = new Set<Session>();
    const take = (): Session | undefined => {
      const free = sessions.filter((s) => !busy.has(s));
      const s = free[Math.floor(Math.random() * free.length)];
      if (s) busy.add(s);
      return s;
    };
    const login = async () => {
      const u = users[Math.floor(Math.random() * users.length)]!;
      const res = await call(recorder, gateway, 'login', 'POST', '/api/v1/auth/login', { body: { email: u.email, password: PASSWORD } });
      if (res.status === 200) sessions.push({ userId: u.userId, email: u.email, access: res.body.access_token, refresh: res.body.refresh_token });
    };
    const ws = (s: Session) =>
      new Promise<void>((resolve) => {
        const t0 = performance.now();
        const socket = new WebSocket(`ws://127.0.0.1:${9003 + offset}/ws/tokens`, { headers: { authorization: `Bearer ${s.access}`, 'user-agent': UA } });
        const done = (status: number) => {
          recorder.add({ op: 'websocket', status, ms: performance.now() - t0, at: Date.now() });
          socket.terminate();
          resolve();
        };
        const timer = setTimeout(() => done(0), 10_000);
        socket.on('open', () => socket.send(JSON.stringify({ type: 'SUBSCRIBE', userId: s.userId })));
        socket.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string };
          clearTimeout(timer);
          done(m.type === 'SUBSCRIBED' ? 200 : 400);
        });
        socket.on('unexpected-response', (_req, res) => {
          clearTimeout(timer);
          done(res.statusCode ?? 0);
        });
        socket.on('error', () => {});
      });
    const MIX: Array<[number, () => Promise<void>]> = [
      [10, login],
      [25, async () => {
        const s = take();
        if (!s) return login();
        const res = await call(recorder, gateway, 'refresh', 'POST', '/api/v1/auth/refresh', { body: { refresh_token: s.refresh } });
        if (res.status === 200) Object.assign(s, { access: res.body.access_token, refresh: res.body.refresh_token });
        busy.delete(s);
      }],
      [25, async () => {
        const s = take();
        if (!s) return login();
        await call(recorder, gateway, 'use', 'GET', '/api/v1/auth/tokens/active?limit=5', { token: s.access });
        busy.delete(s);
      }],
      [10, async () => {
        const s = take();
        if (!s) return login();
        const t0 = performance.now();
        const res = await fetch(`${gateway}/oauth2/introspect`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${s.access}` }).catch(() => null);
        const body = res ? ((await res.json()) as { active?: boolean }) : null;
        recorder.add({ op: 'introspect', status: res && body?.active === true ? res.status : res ? 409 : 0, ms: performance.now() - t0, at: Date.now() });
        busy.delete(s);
      }],
      [8, async () => {
        if (sessions.length < 10) return login();
        const s = take();
        if (!s) return;
        await call(recorder, gateway, 'logout', 'POST', '/api/v1/auth/logout', { token: s.access });
        sessions.splice(sessions.indexOf(s), 1);
        busy.delete(s);
      }],
      [7, async () => void (await call(recorder, gateway, 'jwks', 'GET', '/.well-known/jwks.json'))],
      [10, async () => {
        const s = take();
        if (!s) return login();
        await call(recorder, gateway, 'audit-trail', 'GET', `/api/v1/auth/tokens/audit/${s.userId}?limit=10`, { token: s.access });
        busy.delete(s);
      }],
      [5, async () => {
        const s = take();
        if (!s) return login();
        await ws(s);
        busy.delete(s);
      }],
    ];
    const totalWeight = MIX.reduce((n, [w]) => n + w, 0);
    const pick = () => {
      let r = Math.random() * totalWeight;
      for (const [w, op] of MIX) if ((r -= w) < 0) return op;
      return MIX[0]![1];
    };
    for (let i = 0; i < 10; i++) await login();

    // Steady rate: a tick every 50 ms starts the calls due; a bound on calls in flight keeps a
    // slow system from being buried (skipped starts are counted, not hidden).
    const inFlight = new Set<Promise<void>>();
    let skipped = 0;
    let due = 0;
    const endAt = Date.now() + SECONDS * 1000;
    const warmEnd = Date.now() + WARMUP_SECONDS * 1000;
    let rssStart: Record<string, number> | null = null;
    while (Date.now() < endAt) {
      if (!rssStart && Date.now() >= warmEnd) rssStart = Object.fromEntries(Object.entries(pids).map(([s, pid]) => [s, rssMiB(pid)]));
      due += (RATE * 50) / 1000;
      while (due >= 1) {
        due -= 1;
        if (inFlight.size >= 200) {
          skipped += 1;
          continue;
        }
        const p: Promise<void> = pick()().catch(() => {}).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(50);
    }
    await Promise.all(inFlight);
    // Where the time went in each process: event-loop delay (max over the run, from the last
    // scrape on) and GC, from each service's own Prometheus metrics.
    const runtime: Record<string, string> = {};
    for (const [name, port] of Object.entries(servicePorts())) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      const metric = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
      runtime[name] = `event-loop delay max ${(metric(/^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([\d.e+-]+)$/m) * 1000).toFixed(0)} ms, p99 ${(metric(/^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([\d.e+-]+)$/m) * 1000).toFixed(0)} ms; GC ${(metric(/^nodejs_gc_duration_seconds_sum\{[^}]*kind="major"[^}]*\} ([\d.e+-]+)$/m) || 0).toFixed(2)} s major`;
    }
    // Slow answers (> 1 s) per 10 s of the run, to tell a steady tail from stalls.
    const slowByWindow = new Map<number, number>();
    for (const c of recorder.calls) if (c.ms > 1_000) slowByWindow.set(Math.floor((c.at - started) / 10_000) * 10, (slowByWindow.get(Math.floor((c.at - started) / 10_000) * 10) ?? 0) + 1);
    const rssEnd = Object.fromEntries(Object.entries(pids).map(([s, pid]) => [s, rssMiB(pid)]));
    rssStart ??= rssEnd;

    // Zero lost events: outbox drained, every consumer caught up, stream = outbox = audit.
    const nc = await connect({ servers: testNatsUrl() });
    let events = { published: 0, unpublished: 0, stored: 0, projected: 0, duplicates: 0, missing: 0, notAudited: 0, dlq: 0 };
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `${namespace}_TOKEN_EVENTS`;
      await waitFor(async () => (await queryTestDatabase<{ n: number }>(`select count(*)::int as n from ${schemaPrefix}token_api.token_events where published_at is null`))[0]!.n === 0, { timeoutMs: 60_000, intervalMs: 500, what: 'outbox drained' });
      await waitFor(async () => {
        for (const d of DURABLES) {
          const i = await jsm.consumers.info(stream, d);
          if (i.num_pending > 0 || i.num_ack_pending > 0) return false;
        }
        return true;
      }, { timeoutMs: 120_000, intervalMs: 500, what: 'consumers caught up' });
      const rows = await queryTestDatabase<{ id: string; published: boolean }>(`select id, published_at is not null as published from ${schemaPrefix}token_api.token_events where subject like $1`, [`${namespace}.tokens.%`]);
      const messages = await readStream(nc, stream);
      const audit = await queryTestDatabase<{ event_id: string }>(`select event_id from ${schemaPrefix}audit.auth_token_audit`);
      const seen = new Map<string, number>();
      for (const m of messages) seen.set(String(m.data?.id), (seen.get(String(m.data?.id)) ?? 0) + 1);
      const auditIds = new Set(audit.map((a) => a.event_id));
      events = {
        published: rows.length,
        unpublished: rows.filter((r) => !r.published).length,
        stored: messages.length,
        projected: audit.length,
        duplicates: [...seen.values()].filter((n) => n > 1).length,
        missing: rows.filter((r) => !seen.has(r.id)).length,
        notAudited: [...seen.keys()].filter((id) => !auditIds.has(id)).length,
        dlq: (await jsm.streams.info(`${namespace}_TOKEN_EVENTS_DLQ`)).state.messages,
      };
    } finally {
      await nc.close();
    }

    const measured = (c: { at: number }) => c.at >= warmEnd;
    const summary = recorder.summary(measured);
    const all = recorder.calls.filter(measured);
    const non2xx = all.filter((c) => c.status < 200 || c.status > 299).length;
    const network = all.filter((c) => c.error || c.status === 0).length;
    const p99All = quantile(all.map((c) => c.ms).sort((a, b) => a - b), 0.99);
    const rssBound = (s: string) => rssStart![s]! * 1.5 + 32;
    const checks = {
      'no network failure': network === 0,
      'non-2xx ≤ 0.1 % of calls': non2xx <= all.length * 0.001,
      'RSS at the end ≤ 1.5 × after warm-up + 32 MiB, every service': Object.keys(rssEnd).length === 5 && Object.entries(rssEnd).every(([s, r]) => r <= rssBound(s)),
      'zero events lost (outbox = stream = audit, none twice)': events.missing === 0 && events.unpublished === 0 && events.duplicates === 0 && events.notAudited === 0 && events.stored === events.projected,
      'the rate was held (no start skipped for lack of capacity)': skipped === 0,
    };
    recordCase(`6-soak-${SECONDS}s`, {
      order: SECONDS >= 600 ? 7 : 6,
      title: `Soak, ${SECONDS} s`,
      fault: `No fault: \`pnpm test:soak\` (SOAK_SECONDS=${SECONDS}, SOAK_RATE=${RATE}) — the system started by scripts/local-run.ts (five processes, gateway on :${9003 + offset}), ${RATE} calls/s of mixed traffic through the gateway (login 10 %, refresh 25 %, authenticated read 25 %, introspection 10 %, logout 8 %, JWKS 7 %, audit trail 10 %, WebSocket connect+subscribe 5 %) from a Node client in the same run; default argon2 parameters. Figures after a ${WARMUP_SECONDS} s warm-up: ${all.length} calls, ${((100 * non2xx) / Math.max(1, all.length)).toFixed(3)} % non-2xx, p99 over all calls ${p99All} ms.`,
      checks,
      events: { published: events.published, stored: events.stored, projected: events.projected, dlq: events.dlq, duplicates: events.duplicates, missing: events.missing },
      traffic: { [`after warm-up (${WARMUP_SECONDS} s)`]: summary },
      rss: Object.fromEntries(Object.keys(rssEnd).map((s) => [s, { beforeMiB: rssStart![s]!, afterMiB: rssEnd[s]! }])),
      notes: [
        `runtime per service at the end: ${Object.entries(runtime).map(([k, v]) => `${k}: ${v}`).join('; ')}`,
        `answers slower than 1 s, by 10 s window from the start (s: count): ${[...slowByWindow].sort((a, b) => a[0] - b[0]).map(([w, n]) => `${w}: ${n}`).join(', ') || 'none'}`,
        `RSS bound per service (MiB): ${Object.keys(rssEnd).map((s) => `${s} ${rssBound(s).toFixed(0)}`).join(', ')}`, `calls not started for lack of capacity (200 in flight): ${skipped}`],
      durationSeconds: (Date.now() - started) / 1000,
    });
    process.stdout.write(`${JSON.stringify({ checks, events, summary, rssStart, rssEnd, skipped }, null, 2)}\n`);
    return Object.values(checks).every(Boolean) ? 0 : 1;
  } finally {
    await stopRunner();
    await deleteNatsNamespace(namespace).catch(() => {});
    for (const s of ['token_api', 'audit', 'sweeper']) await queryTestDatabase(`drop schema if exists ${schemaPrefix}${s} cascade`).catch(() => {});
  }
}

main().then(
    (code) => {
      // Run on its own (`pnpm test:soak`), it writes the report itself; inside `pnpm test:long`
      // the suite's teardown does.
      if (!process.env.TESSERA_RELIABILITY_SUITE) renderReport('pnpm test:soak');
      process.exit(code);
    },
    (error) => {
      process.stderr.write(`soak: ${(error as Error).stack}\n`);
      process.exit(2);
    },
  );
