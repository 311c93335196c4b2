import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadRoutes } from '../../scripts/gateway/routes.js';
import { DEPLOY, readText, run } from './tools.js';

const K8S = `${DEPLOY}k8s`;
const SERVICES = ['token-api', 'revocation', 'notifier', 'audit', 'sweeper'] as const;
const { upstreams } = loadRoutes();

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML */
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  Deployment,
  StatefulSet,
  Service,
  ConfigMap,
  Namespace,
  ServiceAccount,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  NetworkPolicy,
  Ingress,
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? yamlFiles(path) : /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

function parseDocs(text: string, where: string): Manifest[] {
  return parseAllDocuments(text).map((doc) => {
    expect(doc.errors, where).toEqual([]);
    return doc.toJS() as Manifest;
  });
}

/** kubectl's built-in kustomize (the `kubectl` package of these machines' image). */
function kustomize(path: string): Manifest[] {
  const result = run('kubectl', ['kustomize', path]);
  expect(result.error, 'kubectl (with its built-in kustomize) is needed: it is part of this machine image (apt package kubectl)').toBeUndefined();
  expect(result.status, result.output).toBe(0);
  return parseDocs(result.stdout, path);
}

const find = (docs: Manifest[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

describe('deploy/k8s sources', () => {
  it('parse as YAML, and every kustomization lists files that exist', () => {
    const files = yamlFiles(K8S);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const docs = parseDocs(readText(relative(`${DEPLOY}..`, file)), file);
      const kustomization = docs.find((d) => d.kind === 'Kustomization');
      if (!kustomization) continue;
      const k = kustomization as any;
      for (const entry of [...(k.resources ?? []), ...(k.patches ?? []).map((p: { path?: string }) => p.path).filter(Boolean)]) {
        expect(existsSync(join(dirname(file), entry)), `${relative(K8S, file)} lists ${entry}`).toBe(true);
      }
    }
  });

  it("target only resources of the base with the production overlay's patches", () => {
    const base = kustomize(`${K8S}/base`);
    const overlayDir = `${K8S}/overlays/production`;
    const overlay = parseDocs(readText('deploy/k8s/overlays/production/kustomization.yaml'), 'overlay')[0] as any;
    for (const patch of overlay.patches as { path: string }[]) {
      for (const doc of parseDocs(readText(relative(`${DEPLOY}..`, join(overlayDir, patch.path))), patch.path)) {
        expect(find(base, doc.kind, doc.metadata.name), `${patch.path}: ${doc.kind}/${doc.metadata.name} is not in the base`).toBeDefined();
      }
    }
    for (const { name } of overlay.replicas as { name: string }[]) expect(find(base, 'Deployment', name), `replicas for ${name}`).toBeDefined();
    const images = new Set(base.flatMap((d) => (d.spec?.template?.spec?.containers ?? []).map((c: { image: string }) => c.image.split(':')[0])));
    for (const image of overlay.images as { name: string; newTag: string }[]) {
      expect(images.has(image.name), `image ${image.name} is used by the base`).toBe(true);
      expect(image.newTag).not.toBe('latest');
    }
  });
});

describe.each(['base', 'overlays/production'])('kubectl kustomize deploy/k8s/%s', (target) => {
  const docs = kustomize(`${K8S}/${target}`);

  it('renders only known kinds, each valid against the Kubernetes schema, and no Secret', () => {
    for (const doc of docs) {
      const Model = MODELS[doc.kind];
      expect(Model, `unexpected kind ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc).validate(), `${doc.kind}/${doc.metadata.name}`).not.toThrow();
    }
    const count = (kind: string) => docs.filter((d) => d.kind === kind).length;
    expect({
      Deployment: count('Deployment'),
      StatefulSet: count('StatefulSet'),
      HorizontalPodAutoscaler: count('HorizontalPodAutoscaler'),
      PodDisruptionBudget: count('PodDisruptionBudget'),
      Secret: count('Secret'),
    }).toEqual({ Deployment: 5, StatefulSet: 1, HorizontalPodAutoscaler: 2, PodDisruptionBudget: 6, Secret: 0 });
    expect(count('NetworkPolicy')).toBeGreaterThanOrEqual(3);
    expect(count('Ingress')).toBe(2);
  });

  it.each(SERVICES)('runs %s on its port with liveness /health/live, readiness /health/ready, resources and a non-root, read-only container', (name) => {
    const deployment = find(docs, 'Deployment', name)!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers.find((c: { name: string }) => c.name === name);
    const port = upstreams[name]!.port;
    expect(container.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    expect(container.env.find((e: { name: string }) => e.name === 'PORT')?.value).toBe(String(port));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(container.startupProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    for (const key of ['cpu', 'memory']) {
      expect(container.resources.requests[key], `${name} requests.${key}`).toBeDefined();
      expect(container.resources.limits[key], `${name} limits.${key}`).toBeDefined();
    }
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'tessera-config' } }]);
    // Secrets by reference only: every secret value comes from tessera-secrets via secretKeyRef.
    for (const env of container.env as { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } }[]) {
      if (env.valueFrom?.secretKeyRef) expect(env.valueFrom.secretKeyRef.name).toBe('tessera-secrets');
      if (/PASSWORD|KEY|SECRET|DATABASE_URL/.test(env.name)) expect(env.valueFrom?.secretKeyRef, `${name} ${env.name} must come from the Secret`).toBeDefined();
    }
    const service = find(docs, 'Service', name)!;
    expect(service.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(find(docs, 'PodDisruptionBudget', name)?.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });

  it('autoscales token-api and the notifier, whose Deployments leave the replica count to the HPA', () => {
    for (const name of ['token-api', 'notifier']) {
      const hpa = find(docs, 'HorizontalPodAutoscaler', name)!;
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(find(docs, 'Deployment', name)!.spec.replicas).toBeUndefined();
    }
  });

  it('runs NATS as a 3-node JetStream cluster with routes over a headless Service, and the services at R3', () => {
    const nats = find(docs, 'StatefulSet', 'nats')!;
    expect(nats.spec.replicas).toBe(3);
    const headless = find(docs, 'Service', nats.spec.serviceName)!;
    expect(headless.spec.clusterIP).toBe('None');
    const conf = find(docs, 'ConfigMap', 'nats-config')!.data!['nats.conf']!;
    expect(conf).toMatch(/jetstream\s*\{/);
    const routes = [...conf.matchAll(/nats:\/\/([a-z0-9-]+)\.([a-z0-9-]+):6222/g)];
    expect(routes.map((m) => m[1])).toEqual(['nats-0', 'nats-1', 'nats-2']);
    expect(new Set(routes.map((m) => m[2]))).toEqual(new Set([nats.spec.serviceName]));
    expect(nats.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    const config = find(docs, 'ConfigMap', 'tessera-config')!.data!;
    expect(config.NATS_REPLICAS).toBe('3');
    expect(config.NATS_URL).toBe('nats://nats:4222');
    expect(find(docs, 'Service', 'nats')!.spec.ports[0].port).toBe(4222);
  });

  it('denies all traffic by default and opens only the paths Tessera needs', () => {
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress)!;
    expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const services = policies.find((p) => p.metadata.name === 'tessera-services')!;
    const selected = services.spec.podSelector.matchLabels;
    for (const name of SERVICES) {
      const labels = find(docs, 'Deployment', name)!.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(selected)) expect(labels[k], `${name} is selected by tessera-services`).toBe(v);
    }
    const ingressFrom = services.spec.ingress.flatMap((r: { from: unknown[] }) => r.from);
    expect(ingressFrom).toContainEqual(expect.objectContaining({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }));
    const egressPorts = services.spec.egress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
    expect(egressPorts).toEqual(expect.arrayContaining([4222, 5432]));
    const ports = Object.values(upstreams).map((u) => u.port);
    const range = services.spec.ingress[0].ports[0];
    expect(range.port).toBe(Math.min(...ports));
    expect(range.endPort).toBe(Math.max(...ports));
  });
});

describe('deploy/README.md', () => {
  it('documents the Secret the manifests reference and each of its keys', () => {
    const docs = kustomize(`${K8S}/base`);
    const keys = new Set(
      docs
        .filter((d) => d.kind === 'Deployment')
        .flatMap((d) => d.spec.template.spec.containers.flatMap((c: { env?: { valueFrom?: { secretKeyRef?: { key: string } } }[] }) => (c.env ?? []).map((e) => e.valueFrom?.secretKeyRef?.key).filter(Boolean))),
    );
    expect(keys.size).toBeGreaterThan(0);
    const readme = readText('deploy/README.md');
    expect(readme).toMatch(/kubectl (-n \S+ )?create secret generic tessera-secrets/);
    for (const key of keys) expect(readme, `deploy/README.md names the key ${key}`).toContain(`--from-literal=${key}=`);
  });
});
