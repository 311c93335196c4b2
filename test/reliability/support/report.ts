// Figures of each reliability case, collected as JSON while the suite runs and rendered into
// reports/reliability.md when it ends (the long suite's global teardown, or the soak script).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = process.env.TESSERA_RELIABILITY_RESULTS ?? join(tmpdir(), 'tessera-reliability-results');
export const REPORT_PATH = fileURLToPath(new URL('../../../reports/reliability.md', import.meta.url));

export interface OpFigures {
  count: number;
  non2xx: number;
  network: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
}

export interface CaseFigures {
  /** Order in the report. */
  order: number;
  title: string;
  fault: string;
  /** Each check, true when it held. */
  checks: Record<string, boolean>;
  events?: { published: number; stored: number; projected: number; dlq: number; duplicates: number; missing: number; fromSweeper?: number };
  /** Per phase (e.g. before/during/after), per operation. */
  traffic?: Record<string, Record<string, OpFigures>>;
  rss?: Record<string, { beforeMiB: number; afterMiB: number }>;
  notes?: string[];
  durationSeconds: number;
  finishedAt?: string;
}

export function recordCase(id: string, figures: CaseFigures): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${id}.json`), JSON.stringify({ ...figures, finishedAt: new Date().toISOString() }, null, 2));
}

export function clearResults(): void {
  rmSync(RESULTS_DIR, { recursive: true, force: true });
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Writes reports/reliability.md from every recorded case; returns the markdown. */
export function renderReport(command: string): string {
  let files: string[] = [];
  try {
    files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'));
  } catch {
    files = [];
  }
  const cases = files.map((f) => ({ id: f.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')) as CaseFigures) })).sort((a, b) => a.order - b.order);
  const out: string[] = [
    '# Reliability report',
    '',
    `Written by the reliability suite (\`${command}\`) at ${new Date().toISOString()} on a ${cpus().length}-core machine with ${(totalmem() / 2 ** 30).toFixed(0)} GiB,`,
    `load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (other work shares the machine; latencies are what a client saw, not benchmarks).`,
    'Every service ran as its own process (`node --import tsx services/<name>/src/main.ts`). "published" = token events committed to',
    "token-api's outbox log, \"stored\" = messages in the `TOKEN_EVENTS` stream (the sweeper's own `TokenExpired` included), \"projected\" = rows in audit's",
    '`auth_token_audit`. Error rates count every non-2xx answer, and network failures, per operation.',
    '',
    table(
      ['case', 'result', 'published', 'stored', 'projected', 'duplicates', 'missing', 'DLQ', 'seconds'],
      cases.map((c) => [
        c.title,
        Object.values(c.checks).every(Boolean) ? 'pass' : `**fail** (${Object.entries(c.checks).filter(([, ok]) => !ok).map(([k]) => k).join(', ')})`,
        c.events?.published ?? '–',
        c.events ? `${c.events.stored}${c.events.fromSweeper ? ` (${c.events.fromSweeper} sweeper)` : ''}` : '–',
        c.events?.projected ?? '–',
        c.events?.duplicates ?? '–',
        c.events?.missing ?? '–',
        c.events?.dlq ?? '–',
        c.durationSeconds.toFixed(0),
      ]),
    ),
  ];
  for (const c of cases) {
    out.push('', `## ${c.title}`, '', c.fault, '');
    out.push(table(['check', 'held'], Object.entries(c.checks).map(([k, ok]) => [k, ok ? 'yes' : '**no**'])));
    if (c.traffic) {
      out.push('');
      const rows: Array<Array<string | number>> = [];
      for (const [phase, ops] of Object.entries(c.traffic)) {
        for (const [op, f] of Object.entries(ops)) {
          rows.push([phase, op, f.count, `${((100 * f.non2xx) / Math.max(1, f.count)).toFixed(2)} %`, f.p50, f.p99, Object.entries(f.statuses).map(([s, n]) => `${s}×${n}`).join(' ')]);
        }
      }
      out.push(table(['phase', 'operation', 'calls', 'non-2xx', 'p50 ms', 'p99 ms', 'answers'], rows));
    }
    if (c.rss) {
      out.push('', table(['service', 'RSS before (MiB)', 'RSS after (MiB)'], Object.entries(c.rss).map(([s, r]) => [s, r.beforeMiB.toFixed(1), r.afterMiB.toFixed(1)])));
    }
    if (c.notes?.length) out.push('', ...c.notes.map((n) => `- ${n}`));
  }
  out.push(
    '',
    '## Not in this report',
    '',
    'The fuzzing (fast-check: HTTP bodies and parameters, WebSocket messages, event schemas), token-attack, web-attack, SQL-injection,',
    'login-timing and stored-text suites run in `pnpm test` and pass or fail there; `test/reliability/README.md` lists what each proves.',
  );
  const markdown = `${out.join('\n')}\n`;
  writeFileSync(REPORT_PATH, markdown);
  return markdown;
}
