import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { freePort, waitFor } from '@tessera/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  alertQueries,
  baseName,
  dashboardFiles,
  dashboardQueries,
  loadMetricsFile,
  METRICS_USED_PATH,
  metricsUsed,
  PROMETHEUS_SERIES,
  renderMetricsUsed,
  selectorNames,
} from './metrics-used.js';
import { ensureTool, readText, run } from './tools.js';

/** Labels Prometheus attaches to every scraped series, and the registry's default label. */
const TARGET_LABELS = new Set(['job', 'instance', 'service']);

describe('deploy/metrics.json, the dashboards and the alert rules', () => {
  const catalogue = loadMetricsFile();
  const byName = new Map(catalogue.metrics.map((m) => [m.name, m]));

  it('lists each metric once, with its type, owner and labels', () => {
    expect(byName.size).toBe(catalogue.metrics.length);
    for (const m of catalogue.metrics) {
      if (m.type === 'counter') expect(m.name, 'counters end in _total').toMatch(/_total$/);
      if (m.type === 'histogram') expect(m.name, 'histograms carry their unit').toMatch(/_seconds$|_bytes$/);
    }
  });

  it('parses every query with the PromQL grammar', () => {
    const queries = [...alertQueries(), ...dashboardQueries()];
    expect(queries.length).toBeGreaterThan(60);
    for (const q of queries) expect(() => selectorNames(q.expr), q.where).not.toThrow();
  });

  it('queries only metrics listed in deploy/metrics.json', () => {
    const unknown = [...metricsUsed()].filter(([name]) => !byName.has(name)).map(([name, where]) => `${name} (${where.join('; ')})`);
    expect(unknown).toEqual([]);
  });

  it('uses every listed metric somewhere (or the list has dead entries)', () => {
    const used = metricsUsed();
    expect(catalogue.metrics.map((m) => m.name).filter((n) => !used.has(n))).toEqual([]);
  });

  it('filters each metric only by labels it has', () => {
    const histograms = new Set(catalogue.metrics.filter((m) => m.type === 'histogram').map((m) => m.name));
    const problems: string[] = [];
    for (const q of [...alertQueries(), ...dashboardQueries()]) {
      const cursor = parser.parse(q.expr).cursor();
      do {
        if (cursor.name !== 'VectorSelector') continue;
        const node = cursor.node;
        const identifier = node.getChild('Identifier')!;
        const series = q.expr.slice(identifier.from, identifier.to);
        if (PROMETHEUS_SERIES.has(series)) continue;
        const metric = byName.get(baseName(series, histograms));
        const allowed = new Set([...(metric?.labels ?? []), ...TARGET_LABELS, ...(series.endsWith('_bucket') ? ['le'] : [])]);
        for (const label of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
          const nameNode = label.getChild('LabelName')!;
          const name = q.expr.slice(nameNode.from, nameNode.to);
          if (!allowed.has(name)) problems.push(`${q.where}: ${series} has no label ${name}`);
        }
      } while (cursor.next());
    }
    expect(problems).toEqual([]);
  });

  it('keeps deploy/metrics-used.txt equal to what the queries use', () => {
    expect(readFileSync(METRICS_USED_PATH, 'utf8'), 'run: pnpm exec tsx test/deploy/metrics-used.ts --write').toBe(renderMetricsUsed());
  });
});

describe('deploy/grafana', () => {
  it('has the six dashboards of the reference system, generated from deploy/grafana/generate.ts', () => {
    const result = run('pnpm', ['exec', 'tsx', 'deploy/grafana/generate.ts', '--check']);
    expect(result.status, result.output).toBe(0);
    const titles = dashboardFiles().map((f) => (JSON.parse(readText(`deploy/grafana/dashboards/${f}`)) as { title: string }).title);
    expect(titles.sort()).toEqual(
      ['System health', 'HTTP API', 'Token management', 'WebSocket', 'Database', 'Security'].map((t) => `Tessera / ${t}`).sort(),
    );
  });

  it('points every panel at the provisioned Prometheus datasource and gives each dashboard its own uid', () => {
    const provisioned = parse(readText('deploy/grafana/provisioning/datasources/tessera.yaml')) as { datasources: { uid: string; type: string }[] };
    const prometheusUid = provisioned.datasources.find((d) => d.type === 'prometheus')!.uid;
    const uids = new Set<string>();
    for (const file of dashboardFiles()) {
      const dashboard = JSON.parse(readText(`deploy/grafana/dashboards/${file}`)) as { uid: string; panels: { type: string; datasource?: { uid: string }; targets?: unknown[]; gridPos: { x: number; w: number } }[] };
      expect(uids.has(dashboard.uid), `duplicate uid ${dashboard.uid}`).toBe(false);
      uids.add(dashboard.uid);
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        expect(panel.datasource?.uid, `${file}`).toBe(prometheusUid);
        expect(panel.targets?.length, `${file}: panel without a query`).toBeGreaterThan(0);
        expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
      }
    }
    const providers = parse(readText('deploy/grafana/provisioning/dashboards/tessera.yaml')) as { providers: { options: { path: string } }[] };
    const compose = readText('deploy/compose.yaml');
    expect(compose).toContain(`./grafana/dashboards:${providers.providers[0]!.options.path}:ro`);
  });

  describe('against a real Prometheus', () => {
    let prometheus: ChildProcess | undefined;
    let base = '';
    let dir = '';

    beforeAll(async () => {
      const binary = ensureTool('prometheus', 'prometheus');
      dir = mkdtempSync(join(tmpdir(), 'tessera-prometheus-'));
      writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      prometheus = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      await waitFor(async () => (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok, { timeoutMs: 30_000, what: 'prometheus ready' });
    });

    afterAll(async () => {
      if (prometheus && prometheus.exitCode === null) {
        const exited = new Promise((r) => prometheus!.once('exit', r));
        prometheus.kill('SIGTERM');
        await exited;
      }
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('accepts every dashboard query (Grafana variables substituted)', async () => {
      const rejected: string[] = [];
      for (const q of dashboardQueries()) {
        const res = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: q.expr })}`);
        const body = (await res.json()) as { status: string; error?: string };
        if (body.status !== 'success') rejected.push(`${q.where}: ${body.error}`);
      }
      expect(rejected).toEqual([]);
    });
  });
});
