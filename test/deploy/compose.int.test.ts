import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRoutes } from '../../scripts/gateway/routes.js';
import { DEPLOY, readText } from './tools.js';

/*
 * No Docker engine (and no compose) on these machines: compose.yaml is checked as data. The
 * images' build logic and the services' start are exercised by image-tree.int.test.ts.
 */
type ComposeService = {
  image?: string;
  build?: { context: string; dockerfile: string; args: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  read_only?: boolean;
  cap_drop?: string[];
  mem_limit?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
};
const compose = parse(readText('deploy/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const { upstreams } = loadRoutes();
const TESSERA = Object.keys(upstreams);

const dependsOn = (s: ComposeService) => (Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }])) : (s.depends_on ?? {}));

describe('deploy/compose.yaml', () => {
  it('runs NATS with JetStream, PostgreSQL 15, the migration one-shot, the five services, nginx, Prometheus, Grafana, the collector and Jaeger', () => {
    expect(Object.keys(services).sort()).toEqual([...TESSERA, 'grafana', 'jaeger', 'migrate', 'nats', 'nginx', 'otel-collector', 'postgres', 'prometheus'].sort());
    expect(services.nats!.command).toContain('--jetstream');
    expect(services.postgres!.image).toMatch(/^postgres:15\b/);
  });

  it.each(TESSERA)('builds %s from the one Dockerfile and runs it on its routing-table port, traced to the collector, hardened', (name) => {
    const service = services[name]!;
    expect(service.build).toEqual({ context: '..', dockerfile: 'Dockerfile', args: { SERVICE: name } });
    expect(existsSync(join(DEPLOY, service.build!.context, service.build!.dockerfile))).toBe(true);
    const env = service.environment!;
    expect(env.PORT).toBe(String(upstreams[name]!.port));
    expect(env.NATS_URL).toBe('nats://nats:4222');
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector:4318');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/tessera:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/tessera$/);
    expect(dependsOn(service)).toMatchObject({ migrate: { condition: 'service_completed_successfully' }, nats: { condition: 'service_healthy' } });
    expect(service.read_only).toBe(true);
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.mem_limit, 'the memory alert needs a limit').toMatch(/^\d+[mg]$/);
  });

  it('migrates before the services with the migrate image, after PostgreSQL is healthy', () => {
    const migrate = services.migrate!;
    expect(migrate.build?.args).toEqual({ SERVICE: 'migrate' });
    expect(migrate.command).toEqual(['node', '--import', 'tsx', 'migrate.ts']);
    expect(dependsOn(migrate)).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(readText('deploy/docker/assemble.sh')).toContain('cp deploy/migrate/migrate.ts "$OUT/migrate.ts"');
  });

  it('takes every secret from the environment file, never a literal', () => {
    const text = readText('deploy/compose.yaml');
    for (const secret of ['POSTGRES_PASSWORD', 'SIGNING_KEY_ENCRYPTION_KEY', 'GRAFANA_ADMIN_PASSWORD']) {
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
      expect(readText('deploy/env.example')).toMatch(new RegExp(`^${secret}=$`, 'm'));
    }
    expect(services['token-api']!.environment!.ADMIN_PASSWORD).toBe('${ADMIN_PASSWORD:-}');
  });

  it('publishes the edge on 9003 with the generated nginx configuration and the account pages', () => {
    const nginx = services.nginx!;
    expect(nginx.ports).toEqual(['9003:9003']);
    expect(nginx.volumes).toContain('./nginx/tessera.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(nginx.volumes).toContain('../packages/account-web/dist:/srv/tessera/account:ro');
    expect(readText('deploy/nginx/tessera.conf')).toContain('root /srv/tessera;');
    expect(Object.keys(dependsOn(nginx)).sort()).toEqual([...TESSERA].sort());
  });

  it('mounts files that exist into Prometheus, Grafana and the collector', () => {
    for (const name of ['prometheus', 'grafana', 'otel-collector', 'nginx']) {
      for (const volume of services[name]!.volumes ?? []) {
        const [source] = volume.split(':');
        if (!source!.startsWith('.') || source!.includes('account-web/dist')) continue;
        expect(existsSync(join(DEPLOY, source!)), `${name}: ${source}`).toBe(true);
      }
    }
    expect(services.prometheus!.volumes).toEqual(expect.arrayContaining(['./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', './prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro']));
  });
});

describe('deploy/otel/collector.yaml', () => {
  const collector = parse(readText('deploy/otel/collector.yaml')) as {
    receivers: Record<string, { protocols: Record<string, { endpoint: string }> }>;
    processors: Record<string, unknown>;
    exporters: Record<string, { endpoint: string; tls?: { insecure: boolean } }>;
    service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
  };

  it('takes OTLP over gRPC and HTTP and sends traces to Jaeger over OTLP', () => {
    expect(collector.receivers.otlp!.protocols.http!.endpoint).toBe('0.0.0.0:4318');
    expect(collector.receivers.otlp!.protocols.grpc!.endpoint).toBe('0.0.0.0:4317');
    const traces = collector.service.pipelines.traces!;
    expect(traces.receivers).toEqual(['otlp']);
    expect(traces.exporters).toEqual(['otlp/jaeger']);
    expect(collector.exporters['otlp/jaeger']!.endpoint).toBe('jaeger:4317');
    expect(services.jaeger!.environment!.COLLECTOR_OTLP_ENABLED).toBe('true');
  });

  it('names in its pipelines only components it defines', () => {
    for (const [name, pipeline] of Object.entries(collector.service.pipelines)) {
      for (const r of pipeline.receivers) expect(collector.receivers[r], `${name}: receiver ${r}`).toBeDefined();
      for (const p of pipeline.processors) expect(collector.processors[p], `${name}: processor ${p}`).toBeDefined();
      for (const e of pipeline.exporters) expect(collector.exporters[e], `${name}: exporter ${e}`).toBeDefined();
    }
    // memory_limiter must come first to protect the rest of the pipeline.
    expect(collector.service.pipelines.traces!.processors[0]).toBe('memory_limiter');
  });
});
