// A closed-loop load generator: `concurrency` workers each send one request at a time over
// keep-alive connections, for a fixed time after a warm-up. Latency is measured per request.
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** This (generator) process's CPU over the measured window, in cores (1 = one core busy). */
  generatorCpuCores: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runLoad(options: {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** One unit of work for worker `i`; throws (or rejects) on failure. */
  once: (worker: number) => Promise<void>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const worker = async (i: number) => {
    while (!stop) {
      const start = process.hrtime.bigint();
      try {
        await options.once(i);
        if (measuring) latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      } catch (error) {
        if (measuring) errors++;
        if (errors === 1 && measuring) process.stderr.write(`first error: ${(error as Error).message}\n`);
      }
    }
  };
  const workers = Array.from({ length: options.concurrency }, (_, i) => worker(i));
  await new Promise((r) => setTimeout(r, options.warmupMs));
  measuring = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, options.durationMs));
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const requests = latencies.length;
  stop = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  return { requests, errors, seconds, rps: requests / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), generatorCpuCores: (cpu.user + cpu.system) / 1e6 / seconds };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

/** POST JSON; resolves with status and parsed body. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const fmt = (r: LoadResult) => `${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms (${r.requests} requests in ${r.seconds.toFixed(1)} s, ${r.errors} errors)`;
