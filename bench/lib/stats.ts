// Figures every benchmark prints the same way: monotonic time, percentiles, the machine.
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

export const hr = () => process.hrtime.bigint();
export const msBetween = (from: bigint, to: bigint) => Number(to - from) / 1e6;

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function latencySummary(values: readonly number[]): { n: number; p50: number; p90: number; p99: number; max: number } {
  return { n: values.length, p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: percentile(values, 100) };
}

export function formatLatency(values: readonly number[]): string {
  const s = latencySummary(values);
  return `n=${s.n}  p50 ${s.p50.toFixed(2)} ms  p90 ${s.p90.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  max ${s.max.toFixed(2)} ms`;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

/** Resident set size of a process, from /proc (Linux), in bytes. */
export function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line.replace(/\D+/g, '')) * 1024;
}

export const MiB = 2 ** 20;

/** Quantiles at 1 %, 2 %, … 100 % (nearest rank): a sample's CDF in 100 points, for charts. */
export function cdf(values: readonly number[], points = 100): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: points }, (_, i) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(((i + 1) / points) * sorted.length) - 1))]!);
}

/**
 * CPU this process uses over a window, as a share of one core (user + system over wall time):
 * the load generator's own cost. A generator near 1.0 on its core is the bottleneck, not the
 * service it drives.
 */
export function cpuMeter(): { stop(): { cores: number; cpuSeconds: number; wallSeconds: number } } {
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  return {
    stop() {
      const used = process.cpuUsage(cpu);
      const wallSeconds = Number(process.hrtime.bigint() - wall) / 1e9;
      const cpuSeconds = (used.user + used.system) / 1e6;
      return { cores: wallSeconds > 0 ? cpuSeconds / wallSeconds : Number.NaN, cpuSeconds, wallSeconds };
    },
  };
}

/** CPUs this process may run on (its affinity), e.g. "0" or "0-1", from /proc (Linux). */
export function allowedCpus(pid: number | 'self' = 'self'): string {
  const match = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1] ?? 'unknown';
}

/**
 * The machine-readable last line bench/run.ts collects: `RESULT {json}` on stdout. Write it last,
 * after every human-readable line.
 */
export function printResult(result: Record<string, unknown>): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** The version of a package installed at the repository root (node_modules/<name>/package.json). */
export function packageVersion(name: string, from = new URL('../../', import.meta.url)): string {
  try {
    return (JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, from), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
