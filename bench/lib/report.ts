// bench/REPORT.md from one run of bench/run.ts: the machine, every figure beside the anchor
// measured in the same run, the charts, how each benchmark ran, and what went wrong if anything.
import type { Figure } from './figures.js';
import type { BenchSpec } from './suite.js';

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  postgres: string;
  natsServer: string;
  commit: string;
  loadAverageAtStart: number[];
}

export interface BenchRun {
  id: string;
  title: string;
  script: string;
  command: string;
  pin: string;
  setup: string;
  args: string[];
  env: Record<string, string>;
  loadBefore: number[];
  loadAfter: number[];
  seconds: number;
  /** CPU seconds of the benchmark's process tree (only when benchmarks ran one at a time). */
  cpuSeconds?: number;
  exitCode: number | null;
  timedOut: boolean;
  /** How the process ended: timed out, a non-zero exit, no RESULT line or one that is not JSON. */
  problems: string[];
  result?: unknown;
  /** What the RESULT breaks in its schema, judged each time the report is written. */
  resultProblems?: string[];
}

export const runProblems = (run: BenchRun): string[] => [...run.problems, ...(run.resultProblems ?? [])];

export interface RunReport {
  mode: 'full' | 'quick';
  /** Benchmarks run at once (1: one after another, the machine to itself). */
  jobs: number;
  startedAt: string;
  seconds: number;
  machine: MachineInfo;
  runs: BenchRun[];
  figures: Figure[];
  problems: string[];
  charts: string[];
}

const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
const load = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' / ');

export function formatValue(v: number, unit: string): string {
  if (unit === 'ms') return `${v.toFixed(2)} ms`;
  if (unit === 'MiB') return `${v.toFixed(2)} MiB`;
  return `${v >= 100 ? f0(v) : v.toPrecision(3)} ${unit}`;
}

export function formatRatio(f: Figure): string {
  if (f.ratio === undefined) return '—';
  return f.ratioStyle === 'percent' ? `${(f.ratio * 100).toFixed(0)} %` : `${f.ratio.toFixed(2)}×`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderReport(report: RunReport, suite: readonly BenchSpec[]): string {
  const { machine, mode } = report;
  const lines: string[] = [];
  lines.push('# Tessera benchmark report', '');
  if (mode === 'quick') {
    lines.push(
      '> **QUICK RUN** (`pnpm bench:quick`): counts and durations cut to seconds so CI can check that every',
      '> benchmark runs end to end and produces numbers. These figures are **not** measurements to quote:',
      '> warm-ups are short, samples small (propagation: 50 revocations, not 1,000), ratios noisy, and the',
      `> benchmarks ran ${report.jobs} at a time, sharing the machine.`,
      '> Run `pnpm bench` on a quiet machine for the report of record.',
      '',
    );
  }
  // Only the load before the first benchmark tells of other work: the load before each later one
  // is mostly the previous benchmark's tail (the 1-minute average decays over minutes, and the
  // benchmarks drive both cores and PostgreSQL on purpose).
  const atStart = machine.loadAverageAtStart[0] ?? 0;
  if (mode === 'full' && atStart > machine.cores * 0.75) {
    lines.push(
      `> **Busy machine**: the 1-minute load average was ${atStart.toFixed(1)} on ${machine.cores} cores when the run started:`,
      '> other work shared the cores, so absolute figures are low and ratios noisy. Prefer a run on a quiet machine (load < 1.5).',
      '',
    );
  }
  lines.push(
    `Written by \`${mode === 'quick' ? 'pnpm bench:quick' : 'pnpm bench'}\` (bench/run.ts) on ${report.startedAt}, commit \`${machine.commit}\`, in ${(report.seconds / 60).toFixed(1)} min. ` +
      'Every anchor below was measured in this same run, on this machine; `bench/results.json` has every number and parameter.',
    '',
    '## Machine',
    '',
    `| cores | CPU | memory | Node | OS | PostgreSQL | nats-server | load average at start (1/5/15 min) |`,
    `|---|---|---|---|---|---|---|---|`,
    `| ${machine.cores} | ${cell(machine.cpuModel)} | ${machine.memoryGiB} GiB | ${machine.node} | ${cell(machine.os)} | ${cell(machine.postgres)} | ${cell(machine.natsServer)} | ${load(machine.loadAverageAtStart)} |`,
    '',
    `Two cores for everything: each benchmark pins its load generator and the server under test apart with \`taskset\` where that is possible (see *Runs*), and states it where it is not. ` +
      'A figure whose load generator used ≥ 80 % of a core while measuring is marked **generator-bound**: there the generator, not the service, may be the limit.',
    '',
  );

  const headline = ['verify.first', 'introspect.c50', 'refresh', 'login', 'propagation.verifier.http', 'propagation.websocket', 'audit.drain', 'sweeper', 'notifier.memory', 'scale.refresh', 'scale.introspection'];
  const heads = headline.map((id) => report.figures.find((f) => f.id === id)).filter((f): f is Figure => f !== undefined);
  if (heads.length > 0) {
    lines.push('## Headline', '', '| figure | Tessera | anchor, same run | ratio | goal (DESIGN §9) |', '|---|---|---|---|---|');
    for (const f of heads) {
      const goal = f.goal === undefined ? '—' : `${f.goal}: ${mode === 'quick' || f.goalMet === undefined ? 'not judged (quick run or smaller parameters)' : f.goalMet ? '**met**' : '**not met**'}`;
      lines.push(`| ${cell(f.label)}${f.flags.length ? ` **${f.flags.join(', ')}**` : ''} | **${formatValue(f.value, f.unit)}** | ${f.anchor ? cell(`${formatValue(f.anchor.value, f.anchor.unit)} (${f.anchor.label})`) : '—'} | ${formatRatio(f)} | ${cell(goal)} |`);
    }
    lines.push('');
  }

  lines.push('## Figures', '');
  const areas = [...new Set(report.figures.map((f) => f.area))];
  for (const area of areas) {
    lines.push(`### ${area}`, '', '| figure | Tessera | anchor (same run) | ratio | detail | generator CPU |', '|---|---|---|---|---|---|');
    for (const f of report.figures.filter((x) => x.area === area)) {
      const flags = f.flags.length > 0 ? ` **${f.flags.join(', ')}**` : '';
      const anchor = f.anchor ? `${formatValue(f.anchor.value, f.anchor.unit)} — ${f.anchor.label}` : '—';
      const gen = f.generatorCpuCores === undefined ? '—' : `${(f.generatorCpuCores * 100).toFixed(0)} % of a core`;
      lines.push(`| ${cell(f.label)}${flags} | **${formatValue(f.value, f.unit)}** | ${cell(anchor)} | ${formatRatio(f)} | ${cell(f.detail ?? '')} | ${gen} |`);
    }
    lines.push('', ...[...new Set(report.figures.filter((x) => x.area === area).map((f) => `- \`${f.bench}\`: ${f.parameters}`))], '');
  }

  if (report.charts.length > 0) {
    lines.push('## Charts', '');
    for (const chart of report.charts) lines.push(`![${chart}](charts/${chart})`, '');
  }

  lines.push(
    '## How it runs',
    '',
    '`pnpm bench` (full) or `pnpm bench:quick` runs `bench/run.ts`. The runner makes sure the machine\'s PostgreSQL and NATS answer ' +
      '(starting them with `scripts/ensure-services.sh` if they do not), then runs each benchmark below as its own ' +
      `child process (\`node --import tsx <script>\`, pinned with \`taskset\` where noted; this run: ${report.jobs === 1 ? 'one at a time' : `${report.jobs} at a time`}). ` +
      '**Each benchmark starts what it needs**: the ' +
      'services under test as their own processes (`services/<name>/src/main.ts`, fresh schema and NATS namespace), a private ' +
      'nats-server where the figure depends on it, and the anchor servers; and removes them and its data at the end. The runner ' +
      'reads each one\'s last `RESULT {json}` line, checks it with a schema (finite numbers, positive where zero would mean nothing was ' +
      'measured), and writes this file, `bench/results.json` and the charts. It records the load average before and after each benchmark. ' +
      'It never fails on a timing: it fails when a benchmark exits non-zero, times out, or produces no or malformed numbers.',
    '',
    'Load generators: the token-api, oidc-provider and scaling figures use one closed-loop keep-alive generator ' +
      '(`bench/token-api/lib/load.ts`: N workers, one request at a time each); introspection and its Express ceiling use autocannon ' +
      '(both sides of each comparison use the same generator). The generator\'s CPU is `process.cpuUsage()` of its process over the ' +
      'measured window divided by the wall time.',
    '',
    '## Runs',
    '',
    'One benchmark at a time in a full run. The load average before a benchmark is mostly the tail of the one before it ' +
      '(the 1-minute average decays over minutes); the load when the run started is in *Machine*.',
    '',
    '| benchmark | command | pinning / processes | load avg (1 min) before → after | time (CPU of its processes) | result |',
    '|---|---|---|---|---|---|',
  );
  for (const run of report.runs) {
    const problems = runProblems(run);
    const status = run.exitCode === 0 && problems.length === 0 ? 'ok' : `**failed**${run.timedOut ? ' (timed out)' : ''}: ${problems.slice(0, 3).join('; ')}`;
    const env = Object.entries(run.env).map(([k, v]) => `${k}=${v}`).join(' ');
    const time = `${run.seconds.toFixed(0)} s${run.cpuSeconds === undefined ? '' : ` (${run.cpuSeconds.toFixed(0)} CPU-s)`}`;
    lines.push(`| ${cell(run.title)} | \`${cell(`${env ? `${env} ` : ''}${run.command}`)}\` | ${cell(`${run.pin}; ${run.setup}`)} | ${load(run.loadBefore.slice(0, 1))} → ${load(run.loadAfter.slice(0, 1))} | ${time} | ${cell(status)} |`);
  }
  const ran = new Set(report.runs.map((r) => r.id));
  const skipped = suite.filter((s) => !ran.has(s.id));
  if (skipped.length > 0) lines.push('', `Not run this time: ${skipped.map((s) => `\`${s.id}\``).join(', ')}.`);
  if (report.problems.length > 0) lines.push('', '## Problems', '', ...report.problems.map((p) => `- ${p}`));
  lines.push('');
  return lines.join('\n');
}
