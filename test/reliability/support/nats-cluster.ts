// A 3-node NATS JetStream cluster on loopback, for the cluster fault case: each node its own
// nats-server process with its own store, client port and cluster (route) port.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { canConnect, freePort, waitFor } from '@tessera/platform/testing';

const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface ClusterNode {
  name: string;
  url: string;
  port: number;
  running(): boolean;
  /** SIGKILL by default: the node crashes, its store stays for the restart. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
}

export interface NatsCluster {
  nodes: ClusterNode[];
  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  url: string;
  dispose(): Promise<void>;
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const base = await mkdtemp(join(tmpdir(), 'tessera-nats-cluster-'));
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), cluster: await freePort() })));
  const nodes: ClusterNode[] = ports.map((p, i) => {
    const name = `n${i + 1}`;
    const routes = ports.filter((_, j) => j !== i).map((o) => `nats://127.0.0.1:${o.cluster}`).join(',');
    let child: ChildProcess | null = null;
    const log = createWriteStream(join(base, `${name}.log`), { flags: 'a' });
    const node: ClusterNode = {
      name,
      port: p.client,
      url: `nats://127.0.0.1:${p.client}`,
      running: () => child !== null && child.exitCode === null && child.signalCode === null,
      async start() {
        const args = ['-a', '127.0.0.1', '-p', String(p.client), '-js', '-sd', join(base, name), '-server_name', name, '-cluster_name', 'tessera', '-cluster', `nats://127.0.0.1:${p.cluster}`, '-routes', routes];
        const proc = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        proc.stdout!.pipe(log, { end: false });
        proc.stderr!.pipe(log, { end: false });
        child = proc;
        await waitFor(async () => {
          if (proc.exitCode !== null) throw new Error(`${name} exited at start (see ${base}/${name}.log)`);
          return canConnect('127.0.0.1', p.client, 200);
        }, { timeoutMs: 15_000, what: `nats node ${name}` });
      },
      async stop(signal = 'SIGKILL') {
        const proc = child;
        child = null;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          proc.once('exit', () => resolve());
          proc.kill(signal);
        });
      },
    };
    return node;
  });
  await Promise.all(nodes.map((n) => n.start()));
  const url = nodes.map((n) => n.url).join(',');
  // JetStream is usable once the meta group has elected a leader.
  const nc = await connect({ servers: url.split(',') });
  try {
    await waitFor(async () => {
      const jsm = await jetstreamManager(nc, { timeout: 2_000 });
      await jsm.getAccountInfo();
      return true;
    }, { timeoutMs: 30_000, intervalMs: 250, what: 'JetStream meta leader elected' });
  } finally {
    await nc.close();
  }
  return {
    nodes,
    url,
    async dispose() {
      await Promise.all(nodes.map((n) => n.stop()));
      await rm(base, { recursive: true, force: true });
    },
  };
}
