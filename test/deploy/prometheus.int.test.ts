import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRoutes } from '../../scripts/gateway/routes.js';
import { DEPLOY, ensureTool, readText, run } from './tools.js';

const PROMETHEUS_DIR = `${DEPLOY}prometheus`;

describe('deploy/prometheus', () => {
  const promtool = ensureTool('promtool', 'prometheus');

  it('passes promtool check config (which also checks the rule files it loads)', () => {
    const result = run(promtool, ['check', 'config', 'prometheus.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS: prometheus.yml is valid');
  });

  it('passes promtool check rules', () => {
    const result = run(promtool, ['check', 'rules', 'alerts.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fires each alert past its threshold and stays silent below it (promtool test rules)', () => {
    const result = run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: PROMETHEUS_DIR });
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('scrapes every service of the routing table at its port, as job = service name', () => {
    const config = parse(readText('deploy/prometheus/prometheus.yml')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const { upstreams } = loadRoutes();
    for (const [name, { port }] of Object.entries(upstreams)) {
      const job = config.scrape_configs.find((j) => j.job_name === name);
      expect(job, `scrape job for ${name}`).toBeDefined();
      expect(job!.static_configs.flatMap((s) => s.targets)).toEqual([`${name}:${port}`]);
    }
  });

  it('gives every alert a severity, summary, description and a runbook_url docs/operations.md#<anchor>', () => {
    const rules = (parse(readText('deploy/prometheus/alerts.yml')) as { groups: { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const rule of rules) {
      expect(['critical', 'high', 'medium'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook_url, rule.alert).toMatch(/^docs\/operations\.md#[a-z0-9-]+$/);
    }
    // The reference system's alerts (000 "Alert Rules") are all there.
    const names = rules.map((r) => r.alert);
    for (const required of [
      'TesseraServiceDown',
      'TesseraHighErrorRateCritical',
      'TesseraHighErrorRate',
      'TesseraHighLatencyCritical',
      'TesseraHighLatency',
      'TesseraMemoryHigh',
      'TesseraDatabasePoolExhausted',
      'TesseraBlacklistGrowth',
      'TesseraConsumerLag',
      'TesseraOutboxBacklog',
      'TesseraDeadLetters',
      'TesseraLoginFailureSpike',
      'TesseraTokenReuseDetected',
    ]) {
      expect(names).toContain(required);
    }
  });
});
