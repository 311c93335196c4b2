/**
 * Writes the provisioned Grafana dashboards (deploy/grafana/dashboards/*.json) from the compact
 * descriptions below, so six dashboards share one layout and one style, and a reviewer reads
 * queries here instead of 3,000 lines of JSON. Run after a change:
 *
 *   pnpm exec tsx deploy/grafana/generate.ts          # rewrite the JSON files
 *   pnpm exec tsx deploy/grafana/generate.ts --check  # exit 1 if a file is stale
 *
 * Every metric a query names must be in deploy/metrics.json (test/deploy/metrics.int.test.ts).
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_DIR = new URL('./dashboards/', import.meta.url);
/** The datasource uid provisioned in provisioning/datasources/tessera.yaml. */
export const PROMETHEUS_UID = 'prometheus';

const SERVICES = 'token-api|revocation|notifier|audit|sweeper';
const RI = '$__rate_interval';
const SVC = 'service=~"$service"';

interface Target {
  expr: string;
  legend?: string;
}
interface PanelSpec {
  title: string;
  description?: string;
  kind?: 'timeseries' | 'stat' | 'table';
  unit?: string;
  targets: Target[];
  /** Grid width out of 24 (default 12; stats 6). */
  width?: number;
  /** Value above which a stat turns red. */
  redAbove?: number;
  /** Value below which a stat turns red (e.g. services up). */
  redBelow?: number;
  stack?: boolean;
}
interface RowSpec {
  title: string;
  panels: PanelSpec[];
}
export interface DashboardSpec {
  uid: string;
  file: string;
  title: string;
  description: string;
  tags: string[];
  /** Adds the `service` variable (label_values of this metric). */
  serviceVariable?: string;
  rows: RowSpec[];
}

const q = (expr: string, legend?: string): Target => (legend === undefined ? { expr } : { expr, legend });
const quantiles = (metric: string, by: string, matcher = '') =>
  [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (${by}, le) (rate(${metric}_bucket${matcher}[${RI}])))`, `p${p * 100} {{${by}}}`));

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'tessera-system-health',
    file: 'system-health.json',
    title: 'Tessera / System health',
    description: 'Is every service up, and what does it use: memory against its limit, CPU, event loop, heap, file descriptors.',
    tags: ['tessera', 'system'],
    serviceVariable: 'process_resident_memory_bytes',
    rows: [
      {
        title: 'Availability',
        panels: [
          { title: 'Services up', kind: 'stat', unit: 'none', targets: [q(`sum(up{job=~"${SERVICES}"})`)], redBelow: 5, description: 'Scrape targets answering, of the five services (more with replicas).' },
          { title: 'Targets down', kind: 'stat', unit: 'none', targets: [q(`count(up{job=~"${SERVICES}"} == 0) or vector(0)`)], redAbove: 0 },
          { title: 'Firing alerts', kind: 'stat', unit: 'none', targets: [q('count(ALERTS{alertstate="firing"}) or vector(0)')], redAbove: 0 },
          { title: 'Uptime', kind: 'stat', unit: 's', targets: [q(`min by (service) (time() - process_start_time_seconds{${SVC}})`, '{{service}}')] },
          { title: 'Up by target', width: 24, unit: 'none', targets: [q(`up{job=~"${SERVICES}"}`, '{{job}} {{instance}}')] },
        ],
      },
      {
        title: 'Resources',
        panels: [
          { title: 'Resident memory', unit: 'bytes', targets: [q(`process_resident_memory_bytes{${SVC}}`, '{{service}} {{instance}}')] },
          { title: 'Memory of the container limit', unit: 'percentunit', targets: [q(`process_resident_memory_bytes{${SVC}} / (process_memory_limit_bytes{${SVC}} > 0)`, '{{service}} {{instance}}')], description: 'Alert at 80 % (TesseraMemoryHigh).' },
          { title: 'CPU', unit: 'percentunit', targets: [q(`rate(process_cpu_seconds_total{${SVC}}[${RI}])`, '{{service}} {{instance}}')] },
          { title: 'Event loop lag p99', unit: 's', targets: [q(`nodejs_eventloop_lag_p99_seconds{${SVC}}`, '{{service}} {{instance}}')] },
          { title: 'V8 heap used / allocated', unit: 'bytes', targets: [q(`sum by (service) (nodejs_heap_size_used_bytes{${SVC}})`, 'used {{service}}'), q(`sum by (service) (nodejs_heap_size_total_bytes{${SVC}})`, 'allocated {{service}}')] },
          { title: 'External memory (Buffers)', unit: 'bytes', targets: [q(`nodejs_external_memory_bytes{${SVC}}`, '{{service}} {{instance}}')] },
          { title: 'GC time per second', unit: 'percentunit', targets: [q(`sum by (service, kind) (rate(nodejs_gc_duration_seconds_sum{${SVC}}[${RI}]))`, '{{service}} {{kind}}')] },
          { title: 'Open file descriptors of the limit', unit: 'percentunit', targets: [q(`process_open_fds{${SVC}} / process_max_fds{${SVC}}`, '{{service}} {{instance}}')] },
          { title: 'Active handles', unit: 'none', targets: [q(`nodejs_active_handles_total{${SVC}}`, '{{service}} {{instance}}')] },
        ],
      },
    ],
  },
  {
    uid: 'tessera-http-api',
    file: 'http-api.json',
    title: 'Tessera / HTTP API',
    description: 'Throughput, error rates and response times of every service; alert thresholds: 5xx > 1 % (high) and > 5 % (critical), p99 > 1 s (high) and > 5 s (critical).',
    tags: ['tessera', 'http'],
    serviceVariable: 'http_requests_total',
    rows: [
      {
        title: 'Traffic',
        panels: [
          { title: 'Requests per second by service', unit: 'reqps', stack: true, targets: [q(`sum by (service) (rate(http_requests_total{${SVC}}[${RI}]))`, '{{service}}')] },
          { title: 'Requests per second by status', unit: 'reqps', stack: true, targets: [q(`sum by (status) (rate(http_requests_total{${SVC}}[${RI}]))`, '{{status}}')] },
          { title: 'Busiest endpoints', width: 24, unit: 'reqps', targets: [q(`topk(10, sum by (service, endpoint, method) (rate(http_request_duration_seconds_count{${SVC}}[${RI}])))`, '{{service}} {{method}} {{endpoint}}')] },
        ],
      },
      {
        title: 'Errors',
        panels: [
          { title: '5xx ratio', unit: 'percentunit', targets: [q(`sum by (service) (rate(http_requests_total{${SVC}, status=~"5.."}[${RI}])) / sum by (service) (rate(http_requests_total{${SVC}}[${RI}]))`, '{{service}}')], description: 'High above 1 %, critical above 5 %.' },
          { title: '4xx ratio', unit: 'percentunit', targets: [q(`sum by (service) (rate(http_requests_total{${SVC}, status=~"4.."}[${RI}])) / sum by (service) (rate(http_requests_total{${SVC}}[${RI}]))`, '{{service}}')] },
          { title: '5xx per second', unit: 'reqps', targets: [q(`sum by (service, status) (rate(http_requests_total{${SVC}, status=~"5.."}[${RI}]))`, '{{service}} {{status}}')] },
          { title: '429 and 413 per second', unit: 'reqps', targets: [q(`sum by (service, status) (rate(http_requests_total{${SVC}, status=~"429|413"}[${RI}]))`, '{{service}} {{status}}')] },
        ],
      },
      {
        title: 'Latency',
        panels: [
          { title: 'p99 by service', unit: 's', targets: [q(`histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket{${SVC}}[${RI}])))`, '{{service}}')], description: 'High above 1 s, critical above 5 s.' },
          { title: 'p50 by service', unit: 's', targets: [q(`histogram_quantile(0.5, sum by (service, le) (rate(http_request_duration_seconds_bucket{${SVC}}[${RI}])))`, '{{service}}')] },
          { title: 'p99 by endpoint', width: 24, unit: 's', targets: [q(`histogram_quantile(0.99, sum by (service, endpoint, method, le) (rate(http_request_duration_seconds_bucket{${SVC}}[${RI}])))`, '{{service}} {{method}} {{endpoint}}')] },
        ],
      },
    ],
  },
  {
    uid: 'tessera-token-management',
    file: 'token-management.json',
    title: 'Tessera / Token management',
    description: 'Tokens issued, active and revoked; logins; and the event pipeline that carries every change: outbox, stream consumers, dead letters, revocation propagation, expiry and audit.',
    tags: ['tessera', 'tokens'],
    rows: [
      {
        title: 'Tokens',
        panels: [
          { title: 'Active tokens', kind: 'stat', unit: 'none', targets: [q('max by (type) (auth_tokens_active_gauge)', '{{type}}')] },
          { title: 'Issued per minute', kind: 'stat', unit: 'none', targets: [q(`sum(rate(auth_tokens_created_total[${RI}])) * 60`)] },
          { title: 'Revoked per minute', kind: 'stat', unit: 'none', targets: [q(`sum(rate(auth_tokens_revoked_total[${RI}])) * 60`)] },
          { title: 'Logins per minute', kind: 'stat', unit: 'none', targets: [q(`sum(rate(login_success_total[${RI}])) * 60`)] },
          { title: 'Active tokens by type', unit: 'none', targets: [q('max by (type) (auth_tokens_active_gauge)', '{{type}}')] },
          { title: 'Issued by type', unit: 'ops', stack: true, targets: [q(`sum by (type) (rate(auth_tokens_created_total[${RI}]))`, '{{type}}')] },
          { title: 'Revoked by reason', unit: 'ops', stack: true, targets: [q(`sum by (reason) (rate(auth_tokens_revoked_total[${RI}]))`, '{{reason}}')] },
          { title: 'Logins: success and failure', unit: 'ops', targets: [q(`sum(rate(login_success_total[${RI}]))`, 'success'), q(`sum(rate(login_failure_total[${RI}]))`, 'failure')] },
        ],
      },
      {
        title: 'Event pipeline',
        panels: [
          { title: 'Outbox backlog', unit: 'none', targets: [q('max(outbox_backlog)', 'events not yet on the stream')], description: 'Committed events JetStream has not acknowledged (alert above 100 for 5 min).' },
          { title: 'Consumer lag', unit: 'none', targets: [q('max by (consumer) (consumer_pending_messages)', '{{consumer}}')], description: 'Pending plus unacknowledged messages per durable consumer.' },
          { title: 'Messages handled by outcome', unit: 'ops', targets: [q(`sum by (consumer, outcome) (rate(consumer_messages_total[${RI}]))`, '{{consumer}} {{outcome}}')] },
          { title: 'Dead letters', unit: 'none', targets: [q('max by (consumer) (dlq_messages)', '{{consumer}}')], description: 'Any message here alerts: `tessera dlq list`.' },
          { title: 'Event to effect, by consumer', unit: 's', targets: quantiles('consumer_event_to_effect_seconds', 'consumer') },
          { title: 'Revocation propagation (event to KV)', unit: 's', targets: [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (le) (rate(revocation_propagation_seconds_bucket[${RI}])))`, `p${p * 100}`)) },
          { title: 'Sweeper lag', unit: 's', targets: [q('max(sweeper_lag_seconds)', 'oldest due expiry not yet announced')] },
          { title: 'Expiry events emitted', unit: 'ops', targets: [q(`sum by (kind) (rate(sweeper_events_emitted_total[${RI}]))`, '{{kind}}')] },
          { title: 'Audit projection delay', unit: 's', targets: [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (le) (rate(audit_projection_delay_seconds_bucket[${RI}])))`, `p${p * 100}`)) },
          { title: 'Audit rows written', unit: 'ops', targets: [q(`sum(rate(audit_rows_written_total[${RI}]))`, 'rows'), q(`sum(rate(audit_duplicate_events_total[${RI}]))`, 'duplicates skipped')] },
        ],
      },
    ],
  },
  {
    uid: 'tessera-websocket',
    file: 'websocket.json',
    title: 'Tessera / WebSocket',
    description: 'The notifier: open sockets, pushes by type, event-to-socket latency, slow readers and refused sockets.',
    tags: ['tessera', 'websocket'],
    rows: [
      {
        title: 'Sockets',
        panels: [
          { title: 'Open sockets', kind: 'stat', unit: 'none', targets: [q('sum(auth_websocket_connections_active)')] },
          { title: 'Pushes per second', kind: 'stat', unit: 'ops', targets: [q(`sum(rate(websocket_messages_sent_total[${RI}]))`)] },
          { title: 'Delivery p99', kind: 'stat', unit: 's', targets: [q(`histogram_quantile(0.99, sum by (le) (rate(websocket_delivery_latency_seconds_bucket[${RI}])))`)], redAbove: 0.01, description: 'Goal: p99 under 10 ms from the revoke call to the socket.' },
          { title: 'Slow readers cut per minute', kind: 'stat', unit: 'none', targets: [q(`sum(rate(websocket_slow_reader_disconnects_total[${RI}])) * 60`)] },
          { title: 'Open sockets by replica', unit: 'none', targets: [q('auth_websocket_connections_active', '{{instance}}')] },
          { title: 'Messages pushed by type', unit: 'ops', stack: true, targets: [q(`sum by (type) (rate(websocket_messages_sent_total[${RI}]))`, '{{type}}')] },
          { title: 'Event to socket latency', unit: 's', targets: [0.5, 0.99].map((p) => q(`histogram_quantile(${p}, sum by (le) (rate(websocket_delivery_latency_seconds_bucket[${RI}])))`, `p${p * 100}`)) },
          { title: 'Sockets refused or closed by reason', unit: 'ops', targets: [q(`sum by (reason) (rate(websocket_connections_rejected_total[${RI}]))`, '{{reason}}'), q(`sum(rate(websocket_slow_reader_disconnects_total[${RI}]))`, 'slow reader')] },
        ],
      },
    ],
  },
  {
    uid: 'tessera-database',
    file: 'database.json',
    title: 'Tessera / Database',
    description: "PostgreSQL as the services see it: connection pools, and the work that writes to it. Server-side statistics (table sizes, slow queries) need a postgres_exporter beside PostgreSQL.",
    tags: ['tessera', 'database'],
    serviceVariable: 'db_pool_connections',
    rows: [
      {
        title: 'Connection pools',
        panels: [
          { title: 'Queries waiting for a connection', kind: 'stat', unit: 'none', targets: [q(`sum(db_pool_connections{${SVC}, state="waiting"})`)], redAbove: 0, description: 'Critical when above 0 for 2 minutes (TesseraDatabasePoolExhausted).' },
          { title: 'Connections in use', kind: 'stat', unit: 'none', targets: [q(`sum(db_pool_connections{${SVC}, state="total"}) - sum(db_pool_connections{${SVC}, state="idle"})`)] },
          { title: 'Pool connections by state', width: 24, unit: 'none', targets: [q(`sum by (service, state) (db_pool_connections{${SVC}})`, '{{service}} {{state}}')] },
        ],
      },
      {
        title: 'Writes',
        panels: [
          { title: 'Outbox backlog (token_events not yet published)', unit: 'none', targets: [q('max(outbox_backlog)', 'backlog')] },
          { title: 'Audit rows written', unit: 'ops', targets: [q(`sum(rate(audit_rows_written_total[${RI}]))`, 'auth_token_audit')] },
          { title: 'Sweep batch duration', unit: 's', targets: quantiles('sweeper_batch_duration_seconds', 'kind') },
          { title: 'Failed sweep passes', unit: 'none', targets: [q(`sum(increase(sweeper_pass_failures_total[${RI}]))`, 'rolled back')] },
          { title: 'Token API latency p99 (Postgres-bound writes)', width: 24, unit: 's', targets: [q(`histogram_quantile(0.99, sum by (endpoint, method, le) (rate(http_request_duration_seconds_bucket{service="token-api", method=~"POST|DELETE"}[${RI}])))`, '{{method}} {{endpoint}}')] },
        ],
      },
    ],
  },
  {
    uid: 'tessera-security',
    file: 'security.json',
    title: 'Tessera / Security',
    description: 'Login failures, rate limits, refresh-token reuse, refused tokens and the revocation list.',
    tags: ['tessera', 'security'],
    rows: [
      {
        title: 'Signals',
        panels: [
          { title: 'Token reuse (24 h)', kind: 'stat', unit: 'none', targets: [q('sum(increase(token_reuse_detected_total[24h]))')], redAbove: 0 },
          { title: 'Login failures per minute', kind: 'stat', unit: 'none', targets: [q(`sum(rate(login_failure_total[${RI}])) * 60`)], redAbove: 60 },
          { title: 'Revocation list entries', kind: 'stat', unit: 'none', targets: [q('max(auth_blacklist_size_gauge)')] },
          { title: 'Revocation list growth (1 h)', kind: 'stat', unit: 'none', targets: [q('max(delta(auth_blacklist_size_gauge[1h]))')], redAbove: 1000 },
          { title: 'Login failures by reason', unit: 'ops', stack: true, targets: [q(`sum by (reason) (rate(login_failure_total[${RI}]))`, '{{reason}}')] },
          { title: 'Login failure ratio', unit: 'percentunit', targets: [q(`sum(rate(login_failure_total[${RI}])) / (sum(rate(login_failure_total[${RI}])) + sum(rate(login_success_total[${RI}])))`, 'failures')] },
          { title: 'Rate-limited requests', unit: 'ops', targets: [q(`sum(rate(auth_rate_limit_hit_total[${RI}]))`, 'per-token limit'), q(`sum(rate(http_requests_total{status="429"}[${RI}]))`, 'all 429')] },
          { title: 'Refused tokens by reason', unit: 'ops', stack: true, targets: [q(`sum by (reason) (rate(validation_failures_recorded_total[${RI}]))`, '{{reason}}')], description: 'Revoked, expired, bad signature... as counted by the validators.' },
          { title: 'Refresh-token reuse', unit: 'none', targets: [q(`sum(increase(token_reuse_detected_total[${RI}]))`, 'reuses')] },
          { title: 'Revocation list size', unit: 'none', targets: [q('max(auth_blacklist_size_gauge)', 'entries')] },
          { title: 'Revocations by reason', unit: 'ops', stack: true, targets: [q(`sum by (reason) (rate(auth_tokens_revoked_total[${RI}]))`, '{{reason}}')] },
          { title: 'WebSocket sockets refused', unit: 'ops', targets: [q(`sum by (reason) (rate(websocket_connections_rejected_total[${RI}]))`, '{{reason}}')] },
        ],
      },
    ],
  },
];

const datasource = { type: 'prometheus', uid: PROMETHEUS_UID };

function panelJson(spec: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const kind = spec.kind ?? 'timeseries';
  const steps: { color: string; value: number | null }[] =
    spec.redBelow !== undefined
      ? [{ color: 'red', value: null }, { color: 'green', value: spec.redBelow }]
      : spec.redAbove !== undefined
        ? [{ color: 'green', value: null }, { color: 'red', value: spec.redAbove === 0 ? 1 : spec.redAbove }]
        : [{ color: 'green', value: null }];
  return {
    id,
    type: kind,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    datasource,
    gridPos,
    targets: spec.targets.map((t, i) => ({
      datasource,
      refId: String.fromCharCode(65 + i),
      expr: t.expr,
      ...(t.legend ? { legendFormat: t.legend } : {}),
      ...(kind === 'stat' ? { instant: true } : { range: true }),
    })),
    fieldConfig: {
      defaults: {
        unit: spec.unit ?? 'short',
        thresholds: { mode: 'absolute', steps },
        ...(kind === 'timeseries'
          ? { custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: spec.stack ? 30 : 10, showPoints: 'never', stacking: { mode: spec.stack ? 'normal' : 'none', group: 'A' } } }
          : {}),
        ...(kind === 'stat' ? { color: { mode: 'thresholds' } } : {}),
      },
      overrides: [],
    },
    options:
      kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area', textMode: 'auto' }
        : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

export function renderDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? (panel.kind === 'stat' ? 6 : 12);
      const h = panel.kind === 'stat' ? 4 : 8;
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panelJson(panel, id++, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  const templating = spec.serviceVariable
    ? [
        {
          name: 'service',
          label: 'Service',
          type: 'query',
          datasource,
          query: { query: `label_values(${spec.serviceVariable}, service)`, refId: 'service' },
          definition: `label_values(${spec.serviceVariable}, service)`,
          refresh: 2,
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { selected: true, text: ['All'], value: ['$__all'] },
          sort: 1,
        },
      ]
    : [];
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'utc',
    templating: { list: templating },
    annotations: { list: [] },
    links: DASHBOARDS.filter((d) => d.uid !== spec.uid).map((d) => ({ type: 'link', title: d.title.replace('Tessera / ', ''), url: `/d/${d.uid}`, icon: 'dashboard' })),
    panels,
  };
}

export function renderAll(): Map<string, string> {
  return new Map(DASHBOARDS.map((spec) => [spec.file, `${JSON.stringify(renderDashboard(spec), null, 2)}\n`]));
}

function main(argv: string[]): void {
  const dir = fileURLToPath(DASHBOARD_DIR);
  const rendered = renderAll();
  if (argv.includes('--check')) {
    const present = readdirSync(dir).filter((f) => f.endsWith('.json'));
    const stale = [...rendered].filter(([file, text]) => !present.includes(file) || readFileSync(`${dir}${file}`, 'utf8') !== text).map(([f]) => f);
    const extra = present.filter((f) => !rendered.has(f));
    if (stale.length > 0 || extra.length > 0) {
      process.stderr.write(`dashboards out of date (stale: ${stale.join(', ') || 'none'}; not generated: ${extra.join(', ') || 'none'}): run pnpm exec tsx deploy/grafana/generate.ts\n`);
      process.exit(1);
    }
    return;
  }
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of rendered) writeFileSync(`${dir}${file}`, text);
  process.stdout.write(`wrote ${rendered.size} dashboards to ${dir}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
