/*
 * Anchor: raw `jose` sign and verify for EdDSA, ES256 and RS256 — the ceiling for in-process
 * validation (a verifier can only add work to `jwtVerify`) and for signing an access token.
 *
 * One process, one core: each (alg, operation) cell runs for --seconds, sequentially awaited, over
 * a pool of distinct tokens with the claims token-api puts in an access token (iss, aud, sub, jti,
 * sid, scope, fpr, iat, exp; typ at+jwt). Verification is `jwtVerify(token, key, { issuer,
 * audience, algorithms: [alg] })` — what bench/verifier/throughput.ts calls its anchor. Cells run
 * in --rounds interleaved rounds; the median round is reported, by wall clock and per CPU-second
 * of this process (all threads), which other processes on a shared machine disturb less.
 *
 * Run: taskset -c 1 npx tsx bench/anchors/jose.ts [--seconds 2] [--rounds 3] [--pool 1000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { allowedCpus, machine, packageVersion, printResult } from '../lib/stats.js';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' }, pool: { type: 'string', default: '1000' } },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const POOL = Number(args.pool);
const ALGS = ['EdDSA', 'ES256', 'RS256'] as const;
type Alg = (typeof ALGS)[number];
const ISSUER = 'http://localhost:9003';
const AUDIENCE = 'tessera';

interface Rate {
  wall: number;
  cpu: number;
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Calls `op(i)` in a sequential loop for `seconds`; rates by wall clock and by this process's CPU time. */
async function timed(seconds: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let n = 0;
  // Checking the clock every 16 calls keeps its cost out of the figure.
  while (n % 16 !== 0 || performance.now() < end) await op(n++);
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall: (n * 1000) / wallMs, cpu: (n * 1e6) / (used.user + used.system) };
}

async function setUp(alg: Alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'RS256' ? { modulusLength: 2048 } : {});
  const kid = randomUUID();
  const sign = (key: CryptoKey) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: 'READ_PROFILE READ_TOKENS', sid: randomUUID(), fpr: 'x7Jd2Qm0b1Jg0J6nW2c0Zw' })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(randomUUID())
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .sign(key);
  };
  const tokens: string[] = [];
  for (let i = 0; i < POOL; i++) tokens.push(await sign(privateKey));
  const options = { issuer: ISSUER, audience: AUDIENCE, algorithms: [alg] };
  return {
    sign: () => sign(privateKey),
    verify: (i: number) => jwtVerify(tokens[i % tokens.length]!, publicKey, options),
  };
}

async function main(): Promise<void> {
  const setups = new Map<Alg, Awaited<ReturnType<typeof setUp>>>();
  for (const alg of ALGS) setups.set(alg, await setUp(alg));
  // Warm-up, not counted: every code path compiled before the first measured cell.
  for (const alg of ALGS) {
    await timed(Math.min(0.5, SECONDS / 4), setups.get(alg)!.sign);
    await timed(Math.min(0.5, SECONDS / 4), setups.get(alg)!.verify);
  }
  const rounds = new Map<string, Rate[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const alg of round % 2 === 0 ? ALGS : [...ALGS].reverse()) {
      for (const op of ['sign', 'verify'] as const) {
        const rate = await timed(SECONDS, setups.get(alg)![op]);
        rounds.set(`${alg}.${op}`, [...(rounds.get(`${alg}.${op}`) ?? []), rate]);
      }
    }
  }
  const result: Record<string, { sign: Rate; verify: Rate }> = {};
  console.log(`raw jose ${packageVersion('jose')} sign/verify — ${machine()}; this process on CPUs ${allowedCpus()}`);
  console.log(`parameters: ${SECONDS} s per cell, ${ROUNDS} interleaved rounds (median reported), pool of ${POOL} distinct tokens per alg, sequential awaits (one at a time), RS256 2048-bit`);
  for (const alg of ALGS) {
    const cell = (op: 'sign' | 'verify'): Rate => ({ wall: median(rounds.get(`${alg}.${op}`)!.map((r) => r.wall)), cpu: median(rounds.get(`${alg}.${op}`)!.map((r) => r.cpu)) });
    result[alg] = { sign: cell('sign'), verify: cell('verify') };
    console.log(
      `  ${alg.padEnd(6)} sign ${fmt(result[alg].sign.wall).padStart(8)} /s wall (${fmt(result[alg].sign.cpu)} /CPU-s)   verify ${fmt(result[alg].verify.wall).padStart(8)} /s wall (${fmt(result[alg].verify.cpu)} /CPU-s)`,
    );
  }
  printResult({ jose: packageVersion('jose'), seconds: SECONDS, rounds: ROUNDS, pool: POOL, cpus: allowedCpus(), algs: result });
}

await main();
