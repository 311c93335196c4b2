// From the benchmarks' checked RESULTs (result-schemas.ts) to the report's figures: each figure
// with the anchor measured in the same run, their ratio, its parameters, its conditions and the
// DESIGN §9 goal it answers.
import type { Results } from './result-schemas.js';

/** A generator at or above this share of one core is likely the bottleneck, not the service. */
export const GENERATOR_BOUND_CORES = 0.8;

export interface Figure {
  id: string;
  area: string;
  label: string;
  value: number;
  unit: string;
  /** Latencies and other detail beside the value. */
  detail?: string;
  anchor?: { label: string; value: number; unit: string; bench: string };
  /** value / anchor.value. */
  ratio?: number;
  ratioStyle?: 'percent' | 'times';
  better: 'higher' | 'lower';
  bench: string;
  parameters: string;
  generatorCpuCores?: number;
  flags: string[];
  /** The DESIGN §9 goal this figure answers, and whether this run met it (undefined: not at these parameters). */
  goal?: string;
  goalMet?: boolean;
}

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const f2 = (n: number) => n.toFixed(2);
/** A latency in ms; exactly 0 only comes from whole-millisecond histograms (autocannon), where it means under 1 ms. */
const ms = (v: number) => (v === 0 ? '< 1' : f2(v));
const lat = (s: { p50: number; p99: number; max?: number }) => `p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms${s.max === undefined ? '' : `, max ${ms(s.max)} ms`}`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The report's figures from whatever results parsed; a missing benchmark leaves its figures out. */
export function buildFigures(r: Results): Figure[] {
  const out: Figure[] = [];
  const add = (f: Omit<Figure, 'flags' | 'ratio'> & { flags?: string[] }) => {
    const flags = [...(f.flags ?? [])];
    if (f.generatorCpuCores !== undefined && f.generatorCpuCores >= GENERATOR_BOUND_CORES) flags.push('generator-bound');
    out.push({ ...f, flags, ...(f.anchor ? { ratio: f.value / f.anchor.value } : {}) });
  };

  const t = r['verifier-throughput'];
  if (t) {
    const p = `${t.alg}, ${f0(t.tokensPerSide)} tokens per side, ${t.rounds} rounds in alternating blocks, ${f0(t.entries)} revocation entries mirrored, every policy on; one core`;
    add({ id: 'verify.first', area: 'Validation', label: `Verification in-process, first sight (${t.alg})`, value: t.verifierFirst.wall, unit: 'ops/s', detail: `${f0(t.verifierFirst.cpu)} per CPU-second; median per-round ratio ${(t.firstVsRaw.wall * 100).toFixed(1)} % wall, ${(t.firstVsRaw.cpu * 100).toFixed(1)} % CPU`, anchor: { label: `raw jose.jwtVerify (${t.alg})`, value: t.rawFirst.wall, unit: 'ops/s', bench: 'verifier-throughput' }, ratioStyle: 'percent', better: 'higher', bench: 'verifier-throughput', parameters: p });
    add({ id: 'verify.repeat', area: 'Validation', label: 'Verification in-process, repeat (cached token)', value: t.repeatSame.wall, unit: 'ops/s', detail: `${f0(t.repeatSame.cpu)} per CPU-second; ${f0(t.repeatHot.wall)}/s cycling ${t.alg} hot tokens`, anchor: { label: 'raw jose.jwtVerify, same token', value: Math.max(t.rawFirst.wall, t.rawSame.wall), unit: 'ops/s', bench: 'verifier-throughput' }, ratioStyle: 'times', better: 'higher', bench: 'verifier-throughput', parameters: `${f0(t.repeat)} cached calls per round; ${p}` });
  }
  const j = r['anchors-jose'];
  if (j) {
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const a = j.algs[alg];
      if (!a) continue;
      add({ id: `jose.${alg}`, area: 'Validation', label: `raw jose ${j.jose} verify, ${alg} (ceiling)`, value: a.verify.wall, unit: 'ops/s', detail: `sign ${f0(a.sign.wall)}/s; per CPU-second: verify ${f0(a.verify.cpu)}, sign ${f0(a.sign.cpu)}`, better: 'higher', bench: 'anchors-jose', parameters: `${j.seconds} s per cell, ${j.rounds} rounds (median), ${j.pool} distinct tokens, sequential, CPU ${j.cpus}` });
    }
  }
  const n = r['anchors-pg-lookup'];
  if (n) {
    const p = `${f0(n.rows)} rows, concurrency ${n.concurrency}, pg pool ${n.pool}, ${n.seconds} s × ${n.rounds} rounds (median); PostgreSQL ${n.postgres.split(' ')[0]}`;
    const naive = { label: 'naive: SHA-256 + PostgreSQL lookup per request', value: n.naive.perS, unit: 'ops/s', bench: 'anchors-pg-lookup' };
    add({ id: 'naive.first', area: 'Validation', label: 'Verifier first sight vs the naive Postgres lookup', value: n.verifierFirst.perS, unit: 'ops/s', detail: `verifier ${lat({ p50: n.verifierFirst.p50Ms, p99: n.verifierFirst.p99Ms })}; naive ${lat({ p50: n.naive.p50Ms, p99: n.naive.p99Ms })}`, anchor: naive, ratioStyle: 'times', better: 'higher', bench: 'anchors-pg-lookup', parameters: p });
    add({ id: 'naive.repeat', area: 'Validation', label: 'Verifier repeat (cached) vs the naive Postgres lookup', value: n.verifierRepeat.perS, unit: 'ops/s', detail: `verifier ${lat({ p50: n.verifierRepeat.p50Ms, p99: n.verifierRepeat.p99Ms })}`, anchor: naive, ratioStyle: 'times', better: 'higher', bench: 'anchors-pg-lookup', parameters: p });
  }

  const i = r.introspection;
  if (i) {
    const cell = (c: number, target: string) => i.cells.find((x) => x.connections === c && x.target === target);
    for (const c of [...new Set(i.cells.map((x) => x.connections))].sort((a, b) => a - b)) {
      const ours = cell(c, 'tessera');
      const oidc = cell(c, 'oidcProvider');
      const ceiling = cell(c, 'expressCeiling');
      if (!ours) continue;
      const p = `autocannon, ${c} connections, ${i.durationS} s per cell, best of ${i.rounds} round(s); each server one process on CPU ${i.serverCpus}, generator on the other`;
      if (oidc) add({ id: `introspect.c${c}`, area: 'Introspection (HTTP)', label: `POST /oauth2/introspect, ${c} connections`, value: ours.rps, unit: 'req/s', detail: `${lat(ours)}; oidc-provider ${lat(oidc)}; ${f0(ours.cpuUsPerReq)} µs server CPU per request`, anchor: { label: 'oidc-provider introspection (opaque token)', value: oidc.rps, unit: 'req/s', bench: 'introspection' }, ratioStyle: 'times', better: 'higher', bench: 'introspection', parameters: p, generatorCpuCores: ours.generatorCpuCores });
      const floor = cell(c, 'nodeFloor');
      if (floor) add({ id: `introspect.floor.c${c}`, area: 'Introspection (HTTP)', label: `Introspection vs a bare node:http JSON endpoint, ${c} connections`, value: ours.rps, unit: 'req/s', detail: `floor ${lat(floor)}`, anchor: { label: 'bare node:http JSON endpoint (no framework)', value: floor.rps, unit: 'req/s', bench: 'introspection' }, ratioStyle: 'percent', better: 'higher', bench: 'introspection', parameters: p, generatorCpuCores: floor.generatorCpuCores });
      if (ceiling) add({ id: `introspect.ceiling.c${c}`, area: 'Introspection (HTTP)', label: `Introspection vs the bare Express 5 JSON endpoint, ${c} connections`, value: ours.rps, unit: 'req/s', detail: `ceiling ${lat(ceiling)}`, anchor: { label: 'bare Express 5 JSON endpoint (HTTP ceiling)', value: ceiling.rps, unit: 'req/s', bench: 'introspection' }, ratioStyle: 'percent', better: 'higher', bench: 'introspection', parameters: p, generatorCpuCores: ceiling.generatorCpuCores });
    }
  }

  const login = r['token-api-login'];
  if (login) {
    add({ id: 'login', area: 'Token API', label: 'Login (argon2id bound)', value: login.login.rps, unit: 'req/s', detail: `${lat({ p50: login.login.p50Ms, p99: login.login.p99Ms })}; ${f2(login.serverCpuMsPerLogin)} ms server CPU per login`, anchor: { label: 'bare argon2id verify, same parameters (mean of before/after)', value: login.anchorRps, unit: 'ops/s', bench: 'token-api-login' }, ratioStyle: 'percent', better: 'higher', bench: 'token-api-login', parameters: `argon2id m=${login.argon2.memoryKib} KiB t=${login.argon2.timeCost} p=${login.argon2.parallelism}; concurrency ${login.concurrency} over ${login.users} users; ${login.durationS} s; server on CPU 1, generator on CPU 0`, generatorCpuCores: login.login.generatorCpuCores });
  }
  const refresh = r['token-api-refresh'];
  if (refresh) {
    const p = `concurrency ${refresh.concurrency}, pool ${refresh.pool}, ${refresh.durationS} s; server on CPU 1, generator on CPU 0; ${f0(refresh.events)} events committed, all published`;
    add({ id: 'refresh', area: 'Token API', label: 'Refresh (rotation tx + ES256 + 2 events → JetStream)', value: refresh.refresh.rps, unit: 'req/s', detail: `${lat({ p50: refresh.refresh.p50Ms, p99: refresh.refresh.p99Ms })}; ${f2(refresh.serverCpuMsPerRefresh)} ms server CPU per refresh`, anchor: { label: 'bare PostgreSQL tx (1-row UPDATE + INSERT), same pool and concurrency', value: refresh.anchorRps, unit: 'tx/s', bench: 'token-api-refresh' }, ratioStyle: 'percent', better: 'higher', bench: 'token-api-refresh', parameters: p, generatorCpuCores: refresh.refresh.generatorCpuCores });
    const o = r['anchors-oidc-provider'];
    if (o) add({ id: 'issuance', area: 'Token API', label: 'Token issuance: refresh (pair, PostgreSQL, events) vs oidc-provider client_credentials (in memory)', value: refresh.refresh.rps, unit: 'req/s', detail: `oidc-provider ${lat({ p50: o.issuance.p50Ms, p99: o.issuance.p99Ms })}, ${f2(o.issuance.serverCpuMsPerToken)} ms server CPU per token`, anchor: { label: `oidc-provider ${o.oidcProvider} client_credentials (opaque, memory adapter)`, value: o.issuance.rps, unit: 'req/s', bench: 'anchors-oidc-provider' }, ratioStyle: 'times', better: 'higher', bench: 'token-api-refresh', parameters: `both: same closed-loop generator, concurrency ${refresh.concurrency} / ${o.concurrency}, server on CPU 1`, generatorCpuCores: Math.max(refresh.refresh.generatorCpuCores, o.issuance.generatorCpuCores) });
  }
  const o = r['anchors-oidc-provider'];
  if (o) {
    add({ id: 'revoke.rfc7009', area: 'Token API', label: 'RFC 7009 revocation of a live access token', value: o.tesseraRevocation.rps, unit: 'req/s', detail: `${lat({ p50: o.tesseraRevocation.p50Ms, p99: o.tesseraRevocation.p99Ms })}; ${f2(o.tesseraRevocation.serverCpuMsPerRevocation)} ms server CPU each; oidc-provider ${lat({ p50: o.oidcRevocation.p50Ms, p99: o.oidcRevocation.p99Ms })}`, anchor: { label: `oidc-provider ${o.oidcProvider} revocation (memory adapter)`, value: o.oidcRevocation.rps, unit: 'req/s', bench: 'anchors-oidc-provider' }, ratioStyle: 'times', better: 'higher', bench: 'anchors-oidc-provider', parameters: `${f0(o.revocations)} distinct tokens each, concurrency ${o.concurrency}; token-api: PostgreSQL tx + TokenRevoked → JetStream`, generatorCpuCores: Math.max(o.tesseraRevocation.generatorCpuCores, o.oidcRevocation.generatorCpuCores) });
  }

  const hopIdle = r['verifier-propagation-http']?.idle.anchor ?? r['verifier-propagation']?.idle.anchor;
  const hopAnchor = (bench: string, s: { p99: number }) => ({ label: 'one bare JetStream hop to another process, p99', value: s.p99, unit: 'ms', bench });
  const pr = r['verifier-propagation'];
  if (pr) {
    const p = `${f0(pr.idle.fromAck.n)} revocations one at a time, 2–5 ms apart; private nats-server ${pr.natsServer ?? ''}; nothing pinned`;
    add({ id: 'propagation.verifier.ack', area: 'Revocation propagation', label: 'Publish acknowledged → verifier in another process refuses, p99', value: pr.idle.fromAck.p99, unit: 'ms', detail: lat(pr.idle.fromAck), anchor: hopAnchor('verifier-propagation', pr.idle.anchor), ratioStyle: 'times', better: 'lower', bench: 'verifier-propagation', parameters: p });
    add({ id: 'propagation.verifier.ack.loaded', area: 'Revocation propagation', label: `… under ${pr.load} background revocations/s, p99`, value: pr.loaded.fromAck.p99, unit: 'ms', detail: lat(pr.loaded.fromAck), anchor: hopAnchor('verifier-propagation', pr.loaded.anchor), ratioStyle: 'times', better: 'lower', bench: 'verifier-propagation', parameters: p });
  }
  const ph = r['verifier-propagation-http'];
  if (ph) {
    const p = `${f0(ph.idle.fromResponse.n)} logouts one at a time, 2–5 ms apart; token-api, revocation, verifier in separate processes; nothing pinned`;
    add({ id: 'propagation.verifier.http', area: 'Revocation propagation', label: 'Logout response → verifier in another process refuses, p99', value: ph.idle.fromResponse.p99, unit: 'ms', detail: `${lat(ph.idle.fromResponse)}; logout itself ${lat(ph.idle.requestToResponse)}`, anchor: hopAnchor('verifier-propagation-http', ph.idle.anchor), ratioStyle: 'times', better: 'lower', bench: 'verifier-propagation-http', parameters: p });
    add({ id: 'propagation.verifier.http.loaded', area: 'Revocation propagation', label: `… under ${ph.load} background revocations/s, p99`, value: ph.loaded.fromResponse.p99, unit: 'ms', detail: lat(ph.loaded.fromResponse), anchor: hopAnchor('verifier-propagation-http', ph.loaded.anchor), ratioStyle: 'times', better: 'lower', bench: 'verifier-propagation-http', parameters: p });
  }
  const d = r['notifier-delivery'];
  if (d) {
    add({ id: 'propagation.websocket', area: 'Revocation propagation', label: 'Logout response → WebSocket client receives TOKEN_REVOKED, p99', value: d.fromResponse.p99, unit: 'ms', detail: lat(d.fromResponse), ...(hopIdle ? { anchor: hopAnchor('verifier-propagation-http', hopIdle) } : {}), ratioStyle: 'times', better: 'lower', bench: 'notifier-delivery', parameters: `${f0(d.fromResponse.n)} logouts one at a time (${d.users} users, one watcher socket each); token-api, revocation, notifier in separate processes; anchor from the propagation-http run` });
  }
  const s = r['notifier-sockets'];
  if (s) {
    const p = `${f0(s.sockets)} authenticated, subscribed sockets; RSS from /proc, median of 5 readings; nothing pinned`;
    add({ id: 'notifier.memory', area: 'Notifier', label: `Memory per 1,000 sockets (${f0(s.sockets)} held)`, value: s.notifier.mibPer1000, unit: 'MiB', detail: `notifier ${s.notifier.idleMiB.toFixed(0)} → ${s.notifier.holdingMiB.toFixed(0)} MiB RSS holding ${f0(s.sockets)} sockets (opened in ${s.notifier.connectSeconds.toFixed(1)} s)`, anchor: { label: 'bare ws server holding as many sockets', value: s.bareWs.mibPer1000, unit: 'MiB', bench: 'notifier-sockets' }, ratioStyle: 'times', better: 'lower', bench: 'notifier-sockets', parameters: p });
    add({ id: 'notifier.fanout', area: 'Notifier', label: `TokenRevoked published → its socket, ${f0(s.sockets)} sockets open, p99`, value: s.delivery.p99, unit: 'ms', detail: lat(s.delivery), anchor: { label: 'bare JetStream hop, same run, p99', value: s.jetstreamHop.p99, unit: 'ms', bench: 'notifier-sockets' }, ratioStyle: 'times', better: 'lower', bench: 'notifier-sockets', parameters: `${f0(s.revocations)} revocations one at a time; ${p}` });
  }

  const a = r['audit-projection'];
  if (a) {
    const p = `${f0(a.events)} events pre-filled, batches of ${a.batch}; service on CPU 1, publisher on CPU 0`;
    add({ id: 'audit.drain', area: 'Audit', label: 'Audit projection drain through NATS', value: a.drain.eventsPerS, unit: 'events/s', anchor: { label: "the projection's own multi-row INSERT, no NATS (mean of before/after)", value: mean(a.anchorUnnestPerS), unit: 'rows/s', bench: 'audit-projection' }, ratioStyle: 'percent', better: 'higher', bench: 'audit-projection', parameters: p, detail: `plain INSERT … VALUES of the same batches: ${f0(a.anchorValuesPerS)} rows/s; rebuild from the stream ${f0(a.rebuild.eventsPerS)} events/s, swap lock ${a.rebuild.lockedMs} ms` });
    add({ id: 'audit.delay', area: 'Audit', label: `Projection delay at ${f0(a.sustained.offeredPerS)} events/s, p99 (occurredAt → committed)`, value: a.sustained.committedMs.p99, unit: 'ms', detail: `committed p50 ${a.sustained.committedMs.p50} ms; insert start (exact) ${lat(a.sustained.insertStartMs)}`, better: 'lower', bench: 'audit-projection', parameters: `${f0(a.sustained.sent)} events at ${f0(a.rate)}/s offered for ${a.seconds} s` });
  }
  const q = r['audit-trail-query'];
  if (q) {
    const first = q.queries.find((x) => x.label.startsWith('heavy user, first page')) ?? q.queries[0]!;
    add({ id: 'audit.trail', area: 'Audit', label: `Audit trail GET, ${first.label}, p99`, value: first.p99, unit: 'ms', detail: `p50 ${f2(first.p50)} ms; in-process query ${lat(q.inProcess[1] ?? q.inProcess[0]!)}`, anchor: { label: 'HTTP floor (GET /health/live, same service), p99', value: q.floor.p99, unit: 'ms', bench: 'audit-trail-query' }, ratioStyle: 'times', better: 'lower', bench: 'audit-trail-query', parameters: `${f0(q.rows)} rows, ${f0(q.users)} users + one heavy user with ${f0(q.heavyRows)} rows; ${q.requests} sequential requests per query` });
  }
  const w = r.sweeper;
  if (w) {
    add({ id: 'sweeper', area: 'Sweeper', label: 'Sweeper expiries (take, publish, ack, delete)', value: w.sweep.expiriesPerS, unit: 'expiries/s', detail: `${f0(w.rows)} in ${w.sweep.seconds.toFixed(1)} s; ${w.sweep.cpuUsPerExpiry} µs node CPU each${w.anchors ? `; Postgres alone ${f0(w.anchors.postgresOnlyPerS)}/s, JetStream alone ${f0(w.anchors.jetstreamOnlyPerS)}/s` : ''}`, ...(w.anchors ? { anchor: { label: 'its Postgres-only and JetStream-only halves back to back', value: w.rows / w.anchors.backToBackSeconds, unit: 'rows/s', bench: 'sweeper' } } : {}), ratioStyle: 'times', better: 'higher', bench: 'sweeper', parameters: `${f0(w.rows)} due rows, batch ${w.batch}, ${w.concurrency} concurrent batches; nothing pinned` });
  }

  const sc = r['scaling-token-api'];
  if (sc) {
    const p = `round-robin by worker, ${sc.seconds} s per cell, ${sc.rounds} rounds (median); nothing pinned — 2 cores shared by the generator, both processes, PostgreSQL and NATS`;
    add({ id: 'scale.refresh', area: 'Scaling out (1 → 2 token-api processes)', label: 'Refresh, 2 processes vs 1', value: sc.refresh.two.rps, unit: 'req/s', detail: `2 processes ${lat({ p50: sc.refresh.two.p50Ms, p99: sc.refresh.two.p99Ms })}; 1 process ${lat({ p50: sc.refresh.one.p50Ms, p99: sc.refresh.one.p99Ms })}`, anchor: { label: 'the same load on 1 process', value: sc.refresh.one.rps, unit: 'req/s', bench: 'scaling-token-api' }, ratioStyle: 'times', better: 'higher', bench: 'scaling-token-api', parameters: `${sc.refreshConcurrency} workers; ${p}`, generatorCpuCores: Math.max(sc.refresh.one.generatorCpuCores, sc.refresh.two.generatorCpuCores) });
    add({ id: 'scale.introspection', area: 'Scaling out (1 → 2 token-api processes)', label: 'Introspection, 2 processes vs 1', value: sc.introspection.two.rps, unit: 'req/s', detail: `2 processes ${lat({ p50: sc.introspection.two.p50Ms, p99: sc.introspection.two.p99Ms })}; 1 process ${lat({ p50: sc.introspection.one.p50Ms, p99: sc.introspection.one.p99Ms })}`, anchor: { label: 'the same load on 1 process', value: sc.introspection.one.rps, unit: 'req/s', bench: 'scaling-token-api' }, ratioStyle: 'times', better: 'higher', bench: 'scaling-token-api', parameters: `${sc.introspectConcurrency} workers; ${p}`, generatorCpuCores: Math.max(sc.introspection.one.generatorCpuCores, sc.introspection.two.generatorCpuCores) });
  }
  applyGoals(out, r);
  return out;
}

/** DESIGN §9's goals (and issues 4 and 5's), beside the figures that answer them. */
function applyGoals(figures: Figure[], r: Results): void {
  const set = (id: string, goal: string, met: (f: Figure) => boolean | undefined) => {
    const f = figures.find((x) => x.id === id);
    if (f) Object.assign(f, { goal }, met(f) === undefined ? {} : { goalMet: met(f) });
  };
  const introspectP99 = (c: number) => r.introspection?.cells.find((x) => x.connections === c && x.target === 'tessera')?.p99 ?? Number.POSITIVE_INFINITY;
  set('verify.first', '≥ 90 % of raw jose', (f) => (f.ratio ?? 0) >= 0.9);
  set('verify.repeat', '≥ 100× raw jose', (f) => (f.ratio ?? 0) >= 100);
  set('introspect.c10', 'several times oidc-provider, p99 < 10 ms', (f) => (f.ratio ?? 0) >= 3 && introspectP99(10) < 10);
  set('introspect.c50', '≥ 3× oidc-provider, p99 < 10 ms', (f) => (f.ratio ?? 0) >= 3 && introspectP99(50) < 10);
  set('propagation.verifier.http', 'p99 < 10 ms', (f) => f.value < 10);
  set('propagation.websocket', 'p99 < 10 ms', (f) => f.value < 10);
  set('refresh', '≥ 1,500/s', (f) => f.value >= 1500);
  set('audit.drain', '≥ 5,000 events/s', (f) => f.value >= 5000);
  const sweep = r.sweeper;
  set('sweeper', '1,000,000 expiries in < 60 s', () => (sweep && sweep.rows >= 1_000_000 ? sweep.sweep.seconds < 60 : undefined));
  const sockets = r['notifier-sockets'];
  set('notifier.memory', '≥ 10,000 sockets in < 1 GiB', () => (sockets && sockets.sockets >= 10_000 ? sockets.notifier.holdingMiB < 1024 : undefined));
}

/** Every figure's numbers are finite, and positive where zero would mean nothing was measured. */
export function checkFigures(figures: readonly Figure[]): string[] {
  const problems: string[] = [];
  for (const f of figures) {
    if (!Number.isFinite(f.value) || (f.unit !== 'ms' && f.value <= 0)) problems.push(`${f.id}: value ${f.value} ${f.unit}`);
    if (f.anchor && (!Number.isFinite(f.anchor.value) || f.anchor.value <= 0)) problems.push(`${f.id}: anchor ${f.anchor.value} ${f.anchor.unit}`);
    if (f.ratio !== undefined && !Number.isFinite(f.ratio)) problems.push(`${f.id}: ratio ${f.ratio}`);
  }
  return problems;
}
