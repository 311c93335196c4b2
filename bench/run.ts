/*
 * One command for every benchmark: `pnpm bench` (full) or `pnpm bench:quick` (a short run for
 * CI: it checks that every benchmark completes and produces numbers, never a timing).
 *
 * Runs each benchmark of bench/lib/suite.ts as its own child process, one after another (each
 * starts the services and anchors it needs and cleans up after itself), collects its last
 * `RESULT {json}` line, and writes bench/REPORT.md, bench/results.json and bench/charts/*.svg:
 * every figure beside the anchor measured in the same run, their ratio, the machine, the load
 * average before and after each benchmark and the exact parameters. Exits non-zero when a
 * benchmark fails, times out or produces no or malformed numbers.
 *
 *   pnpm bench [--quick] [--only id,id] [--skip id,id] [--out DIR] [--list]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { queryTestDatabase } from '@tessera/platform/testing';
import { barsChart, cdfChart, type BarPair, type CdfSeries } from './lib/charts.js';
import { buildFigures, checkFigures } from './lib/figures.js';
import { parseResult, type Results } from './lib/result-schemas.js';
import { renderReport, runProblems, type BenchRun, type MachineInfo, type RunReport } from './lib/report.js';
import { SUITE, type BenchSpec } from './lib/suite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    skip: { type: 'string' },
    out: { type: 'string', default: 'bench' },
    list: { type: 'boolean', default: false },
    /** Benchmarks at once. Full runs take one at a time (the figures need the machine); quick runs two. */
    jobs: { type: 'string' },
    /** Re-render REPORT.md and the charts from an earlier results.json, running nothing. */
    render: { type: 'string' },
  },
});
const MODE = args.quick ? 'quick' : 'full';
const JOBS = Math.max(1, Number(args.jobs ?? (args.quick ? 2 : 1)));
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const log = (line: string) => process.stdout.write(`${line}\n`);

function selected(): BenchSpec[] {
  const ids = (list: string | undefined) => (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const only = ids(args.only);
  const skip = ids(args.skip);
  for (const id of [...only, ...skip]) if (!SUITE.some((s) => s.id === id)) throw new Error(`unknown benchmark ${id}; known: ${SUITE.map((s) => s.id).join(', ')}`);
  return SUITE.filter((s) => (only.length === 0 || only.includes(s.id)) && !skip.includes(s.id));
}

function portOpen(url: string, fallbackPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || fallbackPort) });
    socket.setTimeout(2_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** The machine's PostgreSQL and NATS must answer; on this machine scripts/ensure-services.sh starts them. */
async function ensureServices(): Promise<void> {
  if ((await portOpen(DATABASE_URL, 5432)) && (await portOpen(NATS_URL, 4222))) return;
  log('PostgreSQL or NATS not answering: running scripts/ensure-services.sh');
  execFileSync('bash', ['scripts/ensure-services.sh'], { cwd: root, stdio: 'inherit' });
  if (!(await portOpen(DATABASE_URL, 5432)) || !(await portOpen(NATS_URL, 4222))) throw new Error(`PostgreSQL (${DATABASE_URL}) or NATS (${NATS_URL}) still not answering`);
}

function quietly(run: () => string): string {
  try {
    return run().trim();
  } catch {
    return 'unknown';
  }
}

async function machineInfo(): Promise<MachineInfo> {
  const osName = quietly(() => /PRETTY_NAME="?([^"\n]+)"?/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown');
  const postgres = await queryTestDatabase<{ v: string }>("select current_setting('server_version') as v", [], DATABASE_URL).then((rows) => rows[0]?.v ?? 'unknown', () => 'unknown');
  const dirty = quietly(() => execFileSync('git', ['status', '--porcelain', '--', 'bench', 'services', 'packages'], { cwd: root, encoding: 'utf8' })) !== '';
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${osName}, Linux ${release()}`,
    postgres,
    natsServer: quietly(() => execFileSync('nats-server', ['--version'], { encoding: 'utf8' }).replace(/^nats-server:\s*/, '')),
    commit: `${quietly(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }))}${dirty ? ' (+ uncommitted changes)' : ''}`,
    loadAverageAtStart: loadavg(),
  };
}

const running = new Set<number>();

/** CPU seconds (user + system) of this process's reaped descendants (cutime + cstime, /proc). */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** One benchmark as a child process in its own process group; its output echoed and logged. */
async function runBench(spec: BenchSpec, logDir: string): Promise<BenchRun> {
  const parameters = spec[MODE];
  const pin = spec.pin !== undefined && cpus().length >= 2 ? spec.pin : undefined;
  const node = [process.execPath, '--import', 'tsx', spec.script, ...parameters.args];
  const argv = pin ? ['taskset', '-c', pin, ...node] : node;
  const command = `${pin ? `taskset -c ${pin} ` : ''}node --import tsx ${spec.script}${parameters.args.length ? ` ${parameters.args.join(' ')}` : ''}`;
  const loadBefore = loadavg();
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const file = createWriteStream(join(logDir, `${spec.id}.log`));
  const child = spawn(argv[0]!, argv.slice(1), { cwd: root, env: { ...process.env, ...parameters.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  running.add(child.pid!);
  let resultLine: string | null = null;
  const echo = (stream: NodeJS.ReadableStream, isStdout: boolean) =>
    createInterface({ input: stream }).on('line', (line) => {
      file.write(`${line}\n`);
      if (isStdout && line.startsWith('RESULT ')) {
        resultLine = line.slice('RESULT '.length);
        log(`[${spec.id}] RESULT (${line.length} chars)`);
      } else log(`[${spec.id}] ${line}`);
    });
  echo(child.stdout!, true);
  echo(child.stderr!, false);
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    log(`[${spec.id}] timed out after ${spec.timeoutS[MODE]} s: stopping its process group`);
    killGroup('SIGTERM');
    setTimeout(() => killGroup('SIGKILL'), 5_000).unref();
  }, spec.timeoutS[MODE] * 1000);
  const exitCode = await new Promise<number | null>((resolve) => {
    // Anything the benchmark left behind in its group (a server it failed to stop) would hold its
    // output open and outlive it: it goes with it, a second after the benchmark exits.
    child.once('exit', () => setTimeout(() => killGroup('SIGKILL'), 1_000).unref());
    child.once('close', (code) => resolve(code));
  });
  clearTimeout(timer);
  killGroup('SIGKILL');
  running.delete(child.pid!);
  file.end();

  const problems: string[] = [];
  let result: unknown;
  if (timedOut) problems.push(`timed out after ${spec.timeoutS[MODE]} s`);
  else if (exitCode !== 0) problems.push(`exited with ${exitCode}`);
  if (resultLine === null) problems.push('printed no RESULT line');
  else {
    try {
      // Kept as printed (results.json has every field); checked against its schema when the
      // report is written (writeOutputs), also when an earlier results.json is rendered again.
      result = JSON.parse(resultLine);
    } catch (error) {
      problems.push(`RESULT is not JSON: ${(error as Error).message}`);
    }
  }
  return {
    id: spec.id,
    title: spec.title,
    script: spec.script,
    command,
    pin: pin ? `taskset -c ${pin}` : 'not pinned',
    setup: spec.setup,
    args: parameters.args,
    env: parameters.env,
    loadBefore,
    loadAfter: loadavg(),
    seconds: (performance.now() - started) / 1000,
    // With one benchmark at a time this is its process tree's CPU; with several, theirs together.
    ...(JOBS === 1 ? { cpuSeconds: childrenCpuSeconds() - cpuBefore } : {}),
    exitCode,
    timedOut,
    problems,
    ...(result === undefined ? {} : { result }),
  };
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function charts(mode: 'full' | 'quick', results: Results, figures: ReturnType<typeof buildFigures>, outDir: string): string[] {
  const written: string[] = [];
  mkdirSync(join(outDir, 'charts'), { recursive: true });
  const series: CdfSeries[] = [];
  const http = results['verifier-propagation-http'];
  const bare = results['verifier-propagation'];
  const hop = http?.idle.anchor ?? bare?.idle.anchor;
  if (hop) series.push({ label: 'anchor: one bare JetStream hop to another process', quantiles: hop.cdf, color: '#6b7280', dashed: true });
  if (bare) series.push({ label: 'publish acknowledged → verifier (other process) refuses', quantiles: bare.idle.fromAck.cdf, color: '#16a34a' });
  if (http) series.push({ label: 'logout response → verifier (other process) refuses', quantiles: http.idle.fromResponse.cdf, color: '#2563eb' });
  const ws = results['notifier-delivery'];
  if (ws) series.push({ label: 'logout response → WebSocket client gets TOKEN_REVOKED', quantiles: ws.fromResponse.cdf, color: '#dc2626' });
  if (series.length > 0) {
    const n = Math.max(...[bare?.idle.fromAck.n, http?.idle.fromResponse.n, ws?.fromResponse.n].map((x) => x ?? 0));
    writeFileSync(join(outDir, 'charts', 'propagation-cdf.svg'), cdfChart(`Revocation propagation, idle (CDF; ${mode} run, up to ${n} revocations per series)`, series, 'a negative latency: refused before the logout response reached the client (the outbox publishes right after the commit)'));
    written.push('propagation-cdf.svg');
  }
  const throughputUnits = new Set(['ops/s', 'req/s', 'events/s', 'expiries/s']);
  const pairs: BarPair[] = figures
    .filter((f) => f.anchor && f.better === 'higher' && throughputUnits.has(f.unit))
    .map((f) => ({ label: clip(f.label, 62), value: f.value, anchorLabel: clip(f.anchor!.label, 70), anchor: f.anchor!.value, unit: f.unit }));
  if (pairs.length > 0) {
    writeFileSync(join(outDir, 'charts', 'throughput-vs-anchors.svg'), barsChart(`Throughput vs anchors measured in the same run (${mode} run, log scale)`, pairs, 'ratio = Tessera / anchor'));
    written.push('throughput-vs-anchors.svg');
  }
  return written;
}

/** The runs of an earlier results.json (writeOutputs checks each RESULT against today's schemas). */
function rerender(file: string, outDir: string): void {
  const earlier = JSON.parse(readFileSync(resolve(root, file), 'utf8')) as RunReport;
  summarize(writeOutputs({ mode: earlier.mode, jobs: earlier.jobs ?? 1, startedAt: earlier.startedAt, seconds: earlier.seconds, machine: earlier.machine, runs: earlier.runs }, outDir));
}

async function main(): Promise<void> {
  if (args.render) return rerender(args.render, resolve(root, args.out));
  const benches = selected();
  if (args.list) {
    for (const b of benches) log(`${b.id.padEnd(28)} ${b.script.padEnd(46)} ${b.title}`);
    return;
  }
  const outDir = resolve(root, args.out);
  const logDir = join(tmpdir(), `tessera-bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(logDir, { recursive: true });
  await ensureServices();
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const machine = await machineInfo();
  log(`tessera benchmarks, ${MODE} run: ${benches.length} benchmarks, ${JOBS} at a time; ${machine.cores} × ${machine.cpuModel}, node ${machine.node}; load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}; logs in ${logDir}`);

  const runs: BenchRun[] = new Array(benches.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(JOBS, benches.length) }, async () => {
      while (next < benches.length) {
        const k = next++;
        const spec = benches[k]!;
        log(`\n== ${spec.id}: ${spec.title} (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
        const run = await runBench(spec, logDir);
        runs[k] = run;
        log(`== ${spec.id}: ${run.problems.length === 0 ? 'done' : `FAILED: ${run.problems.join('; ')}`} in ${run.seconds.toFixed(1)} s${run.cpuSeconds === undefined ? '' : `, ${run.cpuSeconds.toFixed(1)} CPU-s`}`);
      }
    }),
  );

  const report = writeOutputs({ mode: MODE, jobs: JOBS, startedAt, seconds: (performance.now() - started) / 1000, machine, runs }, outDir);
  summarize(report);
}

/** Figures, charts, results.json and REPORT.md from the runs. */
function writeOutputs(run: Pick<RunReport, 'mode' | 'jobs' | 'startedAt' | 'seconds' | 'machine' | 'runs'>, outDir: string): RunReport {
  mkdirSync(outDir, { recursive: true });
  const results: Record<string, unknown> = {};
  const runs = run.runs.map((r): BenchRun => {
    if (r.result === undefined) return { ...r, resultProblems: [] };
    const parsed = parseResult(r.id, r.result);
    if (parsed.ok) results[r.id] = parsed.value;
    return { ...r, resultProblems: parsed.ok ? [] : parsed.problems };
  });
  const figures = buildFigures(results as Results);
  const problems = [...runs.flatMap((r) => runProblems(r).map((p) => `${r.id}: ${p}`)), ...checkFigures(figures)];
  const report: RunReport = { ...run, runs, figures, problems, charts: charts(run.mode, results as Results, figures, outDir) };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'REPORT.md'), renderReport(report, SUITE));
  log(`\nwrote ${join(outDir, 'REPORT.md')}, results.json and ${report.charts.length} chart(s)`);
  return report;
}

function summarize(report: RunReport): void {
  const { figures, problems, runs } = report;
  log(`\n== figures (${report.mode} run)`);
  for (const f of figures) {
    const ratio = f.ratio === undefined ? '' : ` | ${f.ratioStyle === 'percent' ? `${(f.ratio * 100).toFixed(0)} % of` : `${f.ratio.toFixed(2)}×`} ${f.anchor!.label}`;
    log(`  ${f.label}: ${f.value.toPrecision(4)} ${f.unit}${ratio}${f.flags.length ? ` [${f.flags.join(', ')}]` : ''}`);
  }
  log(`\n${report.mode} run took ${(report.seconds / 60).toFixed(1)} min`);
  if (problems.length > 0) {
    log(`\n${problems.length} problem(s):`);
    for (const p of problems) log(`  - ${p}`);
    process.exitCode = 1;
  } else log(`${runs.length} benchmarks completed, ${figures.length} figures, every number finite`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

await main();
