// The RESULT lines cross a process boundary, so each benchmark's is parsed with a zod schema
// that demands finite numbers (positive where a zero would mean the benchmark measured nothing);
// a missing or malformed field is a problem the runner reports and fails on. Only the fields the
// report uses are checked; the rest is kept as the benchmark printed it in results.json.
import { z } from 'zod';

const pos = z.number().finite().positive();
const num = z.number().finite();
const latency = z.object({ n: pos, p50: num, p90: num, p99: num, max: num });
const series = latency.extend({ cdf: z.array(num).min(1) });
const load = z.object({ requests: pos, errors: z.number().int().min(0), seconds: pos, rps: pos, p50Ms: pos, p99Ms: pos, generatorCpuCores: pos });
const rate = z.object({ wall: pos, cpu: pos });

export const RESULT_SCHEMAS = {
  'anchors-jose': z.object({ jose: z.string(), seconds: pos, rounds: pos, pool: pos, cpus: z.string(), algs: z.record(z.enum(['EdDSA', 'ES256', 'RS256']), z.object({ sign: rate, verify: rate })) }),
  'verifier-throughput': z.object({
    alg: z.string(),
    tokensPerSide: pos,
    repeat: pos,
    rounds: pos,
    entries: pos,
    rawFirst: rate,
    rawSame: rate,
    verifierFirst: rate,
    repeatSame: rate,
    repeatHot: rate,
    firstVsRaw: rate,
    repeatVsRaw: rate,
    hotVsRaw: rate,
  }),
  'anchors-pg-lookup': z.object({
    rows: pos,
    tokens: pos,
    concurrency: pos,
    pool: pos,
    seconds: pos,
    rounds: pos,
    postgres: z.string(),
    naive: z.object({ perS: pos, cpuUsPerOp: pos, p50Ms: pos, p99Ms: pos, ops: pos }),
    verifierFirst: z.object({ perS: pos, cpuUsPerOp: pos, p50Ms: pos, p99Ms: pos, ops: pos }),
    verifierRepeat: z.object({ perS: pos, cpuUsPerOp: pos, p50Ms: pos, p99Ms: pos, ops: pos }),
  }),
  introspection: z.object({
    durationS: pos,
    warmupS: num,
    rounds: pos,
    serverCpus: z.string(),
    cells: z
      .array(
        z.object({
          connections: pos,
          // tessera, tesseraExpress, oidcProvider, expressCeiling, nodeFloor, and whatever the benchmark adds later.
          target: z.string().min(1),
          rps: pos,
          // autocannon measures whole milliseconds: 0 is "under 1 ms" (a bare endpoint on a quiet machine).
          p50: z.number().finite().nonnegative(),
          p99: z.number().finite().nonnegative(),
          bad: z.number().int().min(0),
          cpuUsPerReq: pos,
          generatorCpuCores: pos,
        }),
      )
      .min(1),
  }),
  'anchors-oidc-provider': z.object({
    oidcProvider: z.string(),
    concurrency: pos,
    seconds: pos,
    warmupS: num,
    revocations: pos,
    issuance: load.extend({ serverCpuMsPerToken: pos }),
    oidcRevocation: z.object({ count: pos, seconds: pos, rps: pos, p50Ms: pos, p99Ms: pos, generatorCpuCores: pos }),
    tesseraRevocation: z.object({ count: pos, seconds: pos, rps: pos, p50Ms: pos, p99Ms: pos, generatorCpuCores: pos, serverCpuMsPerRevocation: pos }),
  }),
  'token-api-login': z.object({
    concurrency: pos,
    users: pos,
    durationS: pos,
    argon2: z.object({ memoryKib: pos, timeCost: pos, parallelism: pos }),
    login: load,
    anchorBefore: load,
    anchorAfter: load,
    anchorRps: pos,
    serverCpuMsPerLogin: pos,
  }),
  'token-api-refresh': z.object({
    concurrency: pos,
    pool: pos,
    durationS: pos,
    postgres: z.string(),
    refresh: load,
    anchorBefore: load,
    anchorAfter: load,
    anchorRps: pos,
    serverCpuMsPerRefresh: pos,
    events: pos,
    unpublished: z.literal(0),
    streamMessages: pos,
  }),
  'scaling-token-api': z.object({
    seconds: pos,
    rounds: pos,
    refreshConcurrency: pos,
    introspectConcurrency: pos,
    refresh: z.object({ one: z.object({ rps: pos, p50Ms: pos, p99Ms: pos, errors: z.number().int().min(0), generatorCpuCores: pos }), two: z.object({ rps: pos, p50Ms: pos, p99Ms: pos, errors: z.number().int().min(0), generatorCpuCores: pos }) }),
    introspection: z.object({ one: z.object({ rps: pos, p50Ms: pos, p99Ms: pos, errors: z.number().int().min(0), generatorCpuCores: pos }), two: z.object({ rps: pos, p50Ms: pos, p99Ms: pos, errors: z.number().int().min(0), generatorCpuCores: pos }) }),
  }),
  'verifier-propagation': z.object({
    count: pos,
    load: num,
    natsServer: z.string().optional(),
    idle: z.object({ anchor: series, fromAck: series, fromStart: series }),
    loaded: z.object({ anchor: series, fromAck: series, fromStart: series }),
  }),
  'verifier-propagation-http': z.object({
    count: pos,
    load: num,
    idle: z.object({ anchor: series, requestToResponse: series, fromResponse: series, fromRequest: series }),
    loaded: z.object({ anchor: series, requestToResponse: series, fromResponse: series, fromRequest: series }),
  }),
  'notifier-delivery': z.object({ count: pos, users: pos, fromResponse: series, fromRequest: latency }),
  'notifier-sockets': z.object({
    sockets: pos,
    revocations: pos,
    notifier: z.object({ idleMiB: pos, holdingMiB: pos, mibPer1000: pos, connectSeconds: pos }),
    bareWs: z.object({ idleMiB: pos, holdingMiB: pos, mibPer1000: pos, connectSeconds: pos }),
    delivery: latency,
    jetstreamHop: latency,
  }),
  'audit-projection': z.object({
    events: pos,
    batch: pos,
    rate: pos,
    seconds: pos,
    drain: z.object({ eventsPerS: pos, seconds: pos }),
    anchorUnnestPerS: z.array(pos).min(1),
    anchorValuesPerS: pos,
    sustained: z.object({ sent: pos, offeredPerS: pos, committedMs: z.object({ p50: num, p90: num, p99: num }), insertStartMs: z.object({ n: pos, p50: num, p90: num, p99: num, max: num }) }),
    rebuild: z.object({ replayed: pos, eventsPerS: pos, rows: pos, lockedMs: num }),
  }),
  'audit-trail-query': z.object({
    rows: pos,
    users: pos,
    requests: pos,
    heavyRows: pos,
    floor: z.object({ p50: pos, p95: pos, p99: pos, max: pos }),
    queries: z.array(z.object({ label: z.string(), items: z.number().int().min(0), p50: pos, p95: pos, p99: pos, max: pos })).min(1),
    inProcess: z.array(z.object({ label: z.string(), p50: pos, p95: pos, p99: pos, max: pos })).min(1),
  }),
  sweeper: z.object({
    rows: pos,
    batch: pos,
    concurrency: pos,
    sweep: z.object({ seconds: pos, expiriesPerS: pos, cpuUsPerExpiry: pos, left: z.literal(0), stored: pos }),
    anchors: z.object({ postgresOnlyPerS: pos, jetstreamOnlyPerS: pos, stockClientPerS: pos, backToBackSeconds: pos }).nullable(),
  }),
} as const;

export type BenchId = keyof typeof RESULT_SCHEMAS;
export type Results = { [K in BenchId]?: z.infer<(typeof RESULT_SCHEMAS)[K]> };

/** Parses one benchmark's RESULT; returns the problems instead of throwing. */
export function parseResult(id: string, raw: unknown): { ok: true; value: unknown } | { ok: false; problems: string[] } {
  const schema = (RESULT_SCHEMAS as Record<string, z.ZodType>)[id];
  if (!schema) return { ok: false, problems: [`no schema for benchmark ${id}`] };
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `RESULT ${i.path.join('.') || '(root)'}: ${i.message}`) };
}

