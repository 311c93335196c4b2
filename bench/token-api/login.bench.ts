/**
 * Login throughput: POST /api/v1/auth/login end to end (throttle read, argon2id verify, user row
 * lock, pair issue, two events to JetStream) with the service's default argon2id parameters.
 *
 * Anchor, same run: bare argon2id verifications with the same parameters and concurrency, in a
 * process pinned to the same CPUs as the server (argon2 dominates a login by design).
 *
 *   taskset -c 0 npx tsx bench/token-api/login.bench.ts
 *   (server on SERVER_CPUS, default 1; CONCURRENCY 16, USERS 64, DURATION_S 15, WARMUP_S 3;
 *    ARGON2_MEMORY_KIB / ARGON2_TIME_COST / ARGON2_PARALLELISM override the defaults)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { tokenApiRequire, type PgModule } from './lib/deps.js';
import { DATABASE_URL, envNumber, freePort, machineAndPinning } from './lib/env.js';
import { fmt, postJson, runLoad, type LoadResult } from './lib/load.js';
import { cpuSeconds, startServer } from './lib/server.js';
import { printResult } from '../lib/stats.js';

const CONCURRENCY = envNumber('CONCURRENCY', 16);
const USERS = envNumber('USERS', 64);
const DURATION_MS = envNumber('DURATION_S', 15) * 1000;
const WARMUP_MS = envNumber('WARMUP_S', 3) * 1000;
const SERVER_CPUS = process.env.SERVER_CPUS ?? '1';
// The service's defaults (services/token-api/src/config.ts): OWASP's 19 MiB, t=2, p=1.
const ARGON2 = { memoryKib: envNumber('ARGON2_MEMORY_KIB', 19_456), timeCost: envNumber('ARGON2_TIME_COST', 2), parallelism: envNumber('ARGON2_PARALLELISM', 1) };
const UA = 'tessera-bench/1.0';
const PASSWORD = 'bench password 123';

function argon2Anchor(): LoadResult & { hash: string } {
  const script = fileURLToPath(new URL('./lib/argon2-anchor.ts', import.meta.url));
  const args = [String(ARGON2.memoryKib), String(ARGON2.timeCost), String(ARGON2.parallelism), String(CONCURRENCY), String(WARMUP_MS), String(DURATION_MS)];
  const out = execFileSync('taskset', ['-c', SERVER_CPUS, process.execPath, '--import', 'tsx', script, ...args], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

async function main() {
  // The anchor runs before and after the service, so a change in what else the machine is doing
  // during the run shows as a spread instead of skewing the ratio.
  const bareBefore = argon2Anchor();
  const server = await startServer({
    port: await freePort(),
    cpus: SERVER_CPUS,
    env: {
      ARGON2_MEMORY_KIB: String(ARGON2.memoryKib),
      ARGON2_TIME_COST: String(ARGON2.timeCost),
      ARGON2_PARALLELISM: String(ARGON2.parallelism),
      // Every login here succeeds; keep the throttles out of the way of a bench that reuses users.
      LOGIN_IP_MAX_FAILURES: '100000',
    },
  });
  const pg = tokenApiRequire('pg') as PgModule;
  const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  try {
    const emails: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const email = `login-bench-${i}-${randomBytes(3).toString('hex')}@example.com`;
      if ((await postJson(`${server.url}/api/v1/users`, { email, password: PASSWORD })).status !== 201) throw new Error('register failed');
      emails.push(email);
    }
    let next = 0;
    const cpuBefore = cpuSeconds(server.child.pid!);
    const login = await runLoad({
      concurrency: CONCURRENCY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      once: async () => {
        const email = emails[next++ % emails.length];
        const res = await postJson(`${server.url}/api/v1/auth/login`, { email, password: PASSWORD }, { 'user-agent': UA });
        if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      },
    });
    const serverCpuMs = ((cpuSeconds(server.child.pid!) - cpuBefore) * 1000) / (login.requests * ((login.seconds * 1000 + WARMUP_MS) / (login.seconds * 1000)));
    const [{ hash }] = (await db.query(`select password_hash as hash from ${server.schema}.users limit 1`)).rows;
    await server.stop();
    const bareAfter = argon2Anchor();
    const anchorRps = (bareBefore.rps + bareAfter.rps) / 2;

    console.log(`token-api login benchmark — ${machineAndPinning()}; server and anchor on CPUs ${SERVER_CPUS}; concurrency ${CONCURRENCY} over ${USERS} users; ${WARMUP_MS / 1000} s warm-up, ${DURATION_MS / 1000} s measured`);
    console.log(`  argon2id parameters: m=${ARGON2.memoryKib} KiB, t=${ARGON2.timeCost}, p=${ARGON2.parallelism} (stored: ${String(hash).split('$').slice(0, 4).join('$')}); UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);
    console.log(`  login (throttle + argon2 verify + pair + 2 events):  ${fmt(login)}`);
    console.log(`  anchor before, bare argon2id verify, same parameters: ${fmt(bareBefore)}`);
    console.log(`  anchor after:                                         ${fmt(bareAfter)}`);
    console.log(`  token-api process CPU per login: ${serverCpuMs.toFixed(2)} ms (argon2 threads included)`);
    console.log(`  login / mean anchor: ${((login.rps / anchorRps) * 100).toFixed(0)} %`);
    console.log(`  load generator (this process) CPU while measuring: ${(login.generatorCpuCores * 100).toFixed(0)} % of a core`);
    printResult({ concurrency: CONCURRENCY, users: USERS, warmupS: WARMUP_MS / 1000, durationS: DURATION_MS / 1000, serverCpus: SERVER_CPUS, argon2: ARGON2, login, anchorBefore: bareBefore, anchorAfter: bareAfter, anchorRps, serverCpuMsPerLogin: serverCpuMs });
    await db.query(`drop schema ${server.schema} cascade`);
  } finally {
    await db.end();
    await server.stop();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
