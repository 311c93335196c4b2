/**
 * Every metric name the dashboards and the alert rules query, found by parsing each PromQL
 * expression with Prometheus's own grammar (@prometheus-io/lezer-promql), not by pattern. The list
 * is committed as deploy/metrics-used.txt (checked by metrics.int.test.ts), so a scrape test of the
 * running services can read it. Rewrite it with:
 *
 *   pnpm exec tsx test/deploy/metrics-used.ts --write
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { z } from 'zod';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const METRICS_USED_PATH = `${ROOT}deploy/metrics-used.txt`;

/** Series Prometheus makes itself: not exported by any service. */
export const PROMETHEUS_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

export const MetricsFile = z.object({
  metrics: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/),
        type: z.enum(['counter', 'gauge', 'histogram', 'summary']),
        owner: z.string().min(1),
        labels: z.array(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/)),
        description: z.string().min(10),
      }),
    )
    .min(1),
});
export type MetricsFile = z.infer<typeof MetricsFile>;

export function loadMetricsFile(): MetricsFile {
  return MetricsFile.parse(JSON.parse(readFileSync(`${ROOT}deploy/metrics.json`, 'utf8')));
}

/** Grafana's variables are not PromQL: give them values Prometheus accepts before parsing. */
export function substituteGrafanaVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*');
}

/** The metric names of the vector selectors of one expression; throws on a syntax error. */
export function selectorNames(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new SyntaxError(`PromQL syntax error at ${cursor.from} in: ${expr}`);
    if (cursor.name === 'VectorSelector') {
      const selector = cursor.node;
      const identifier = selector.getChild('Identifier');
      if (identifier) names.push(expr.slice(identifier.from, identifier.to));
      else throw new SyntaxError(`selector without a metric name (use name{...}): ${expr.slice(selector.from, selector.to)}`);
    }
  } while (cursor.next());
  return names;
}

export interface QuerySource {
  /** e.g. `alerts.yml TesseraServiceDown` or `http-api.json "5xx ratio"`. */
  where: string;
  expr: string;
}

export function alertQueries(): QuerySource[] {
  const file = parse(readFileSync(`${ROOT}deploy/prometheus/alerts.yml`, 'utf8')) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ where: `alerts.yml ${r.alert ?? r.record}`, expr: String(r.expr) })));
}

interface DashboardJson {
  title: string;
  panels: { title: string; type: string; targets?: { expr?: string }[] }[];
  templating?: { list: { name: string; query?: { query?: string } | string }[] };
}

export function dashboardFiles(): string[] {
  return readdirSync(`${ROOT}deploy/grafana/dashboards`).filter((f) => f.endsWith('.json')).sort();
}

export function dashboardQueries(): QuerySource[] {
  return dashboardFiles().flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(`${ROOT}deploy/grafana/dashboards/${file}`, 'utf8')) as DashboardJson;
    const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ where: `${file} "${p.title}"`, expr: substituteGrafanaVariables(t.expr!) })));
    // label_values(metric, label) in a variable queries a metric too.
    const variables = (dashboard.templating?.list ?? []).flatMap((v) => {
      const query = typeof v.query === 'string' ? v.query : v.query?.query;
      const match = query?.match(/^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/);
      return match ? [{ where: `${file} variable ${v.name}`, expr: match[1]! }] : [];
    });
    return [...panels, ...variables];
  });
}

/** A histogram is listed by base name; its queries name its _bucket, _sum or _count series. */
export function baseName(series: string, histograms: Set<string>): string {
  const m = series.match(/^(.*)_(bucket|sum|count)$/);
  return m && histograms.has(m[1]!) ? m[1]! : series;
}

/** name → where it is used, for every metric the dashboards and alerts query (Prometheus's own series excluded). */
export function metricsUsed(): Map<string, string[]> {
  const histograms = new Set(loadMetricsFile().metrics.filter((m) => m.type === 'histogram' || m.type === 'summary').map((m) => m.name));
  const used = new Map<string, string[]>();
  for (const query of [...alertQueries(), ...dashboardQueries()]) {
    for (const series of selectorNames(query.expr)) {
      if (PROMETHEUS_SERIES.has(series)) continue;
      const name = baseName(series, histograms);
      used.set(name, [...(used.get(name) ?? []), query.where]);
    }
  }
  return new Map([...used].sort(([a], [b]) => a.localeCompare(b)));
}

export function renderMetricsUsed(): string {
  const header = [
    '# Metric names queried by deploy/grafana/dashboards and deploy/prometheus/alerts.yml (histograms by',
    '# base name), one a line. Generated by test/deploy/metrics-used.ts; each must be exposed by a running',
    '# service (deploy/metrics.json says which).',
  ];
  return `${[...header, ...metricsUsed().keys()].join('\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--write')) {
  writeFileSync(METRICS_USED_PATH, renderMetricsUsed());
  process.stdout.write(`wrote ${METRICS_USED_PATH}\n`);
}
