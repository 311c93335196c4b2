/*
 * Verifier throughput against raw jose (DESIGN §9: in-process verification ≥ 90 % of raw
 * `jose.jwtVerify` for the same algorithm; issue 4: a cached repeat ≥ 100× raw jose).
 *
 * Same process, same tokens, same algorithm (ES256 by default), measured in alternating rounds:
 *   anchor      jose.jwtVerify(token, publicKey, { issuer, audience, algorithms }) — signature,
 *               exp/nbf/iss/aud, nothing else;
 *   first sight a fresh verifier on distinct tokens: signature + claims + cache insert + the
 *               jti/sid/sub checks against a real RevocationMirror + scope and device policies;
 *   repeat      the same verifier on tokens it has seen: SHA-256 of the token, cache hit, the
 *               revocation checks and the policies (scope, User-Agent binding, IP, rate limit).
 * The revocation mirror watches a real bucket on NATS filled with --entries revocations.
 *
 * Run (pinned to one core, the other left to NATS and the OS):
 *   taskset -c 1 npx tsx bench/verifier/throughput.ts [--tokens 3000] [--repeat 1000000] [--hot 1000] [--rounds 3] [--entries 10000] [--alg ES256]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ensureBucket } from '@tessera/platform';
import { createVerifier, RevocationMirror, type Verifier } from '@tessera/verifier';
import { createTestIssuer } from '@tessera/verifier/testing';
import { importJWK, jwtVerify, type CryptoKey } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { printResult } from '../lib/stats.js';

const { values: args } = parseArgs({
  options: {
    tokens: { type: 'string', default: '4000' },
    repeat: { type: 'string', default: '1000000' },
    hot: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    entries: { type: 'string', default: '10000' },
    alg: { type: 'string', default: 'ES256' },
  },
});
const TOKENS = Number(args.tokens);
const REPEAT = Number(args.repeat);
const HOT = Number(args.hot);
const ROUNDS = Number(args.rounds);
const ENTRIES = Number(args.entries);
const ALGS = ['ES256', 'EdDSA', 'RS256'] as const;
if (!(ALGS as readonly string[]).includes(args.alg)) throw new Error(`--alg must be one of ${ALGS.join(', ')}`);
const ALG = args.alg as (typeof ALGS)[number];
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CONTEXT = { userAgent: UA, clientIp: '203.0.113.7', scopes: ['READ_PROFILE'] as const };

const perSecond = (count: number, ms: number) => (count / ms) * 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const nc = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const bucket = `bench_${Date.now().toString(36)}_REVOCATIONS`;
  const kv = await ensureBucket(nc, { name: bucket, maxAgeMs: 3_600_000 });
  const mirrors: RevocationMirror[] = [];
  const verifiers: Verifier[] = [];
  try {
    // Revocation state the checks run against: ENTRIES jti entries plus some sid and sub.
    for (let i = 0; i < ENTRIES; i += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, ENTRIES - i) }, (_, j) => {
          const n = i + j;
          if (n % 10 === 0) return kv.put(`sub.${crypto.randomUUID()}`, JSON.stringify({ notBefore: Date.now() - 3_600_000 }));
          if (n % 10 === 1) return kv.put(`sid.${crypto.randomUUID()}`, JSON.stringify({ revokedAt: Date.now(), reason: 'bench' }));
          return kv.put(`jti.${uuidv7()}`, JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 900, reason: 'bench', revokedAt: Date.now() }));
        }),
      );
    }

    const issuer = await createTestIssuer({ alg: ALG });
    const publicKey = (await importJWK(issuer.publicJwk, ALG)) as CryptoKey;
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i++) tokens.push((await issuer.accessToken({ userAgent: UA, scopes: ['READ_PROFILE', 'READ_TOKENS'] })).token);

    const newVerifier = async () => {
      const mirror = new RevocationMirror({ connection: nc, bucket }).start();
      await mirror.ready(30_000);
      mirrors.push(mirror);
      const verifier = createVerifier({
        keys: issuer.jwks,
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: [ALG],
        revocations: mirror,
        // Never refuses at these rates, but runs the rolling-window code on every call.
        policies: { rateLimit: { limit: 100_000, windowMs: 1 } },
        cache: { maxEntries: Math.max(TOKENS, HOT) * 2 },
      });
      verifiers.push(verifier);
      await verifier.ready();
      return verifier;
    };

    const rawOptions = { issuer: issuer.issuer, audience: issuer.audience, algorithms: [ALG] };
    const rawVerify = (token: string) => jwtVerify(token, publicKey, rawOptions);
    const check = (result: Awaited<ReturnType<Verifier['verify']>>) => {
      if (!result.ok) throw new Error(`unexpected refusal: ${result.reason}`);
    };

    // A/B in alternating blocks on equivalent tokens, so both see the same background load (this
    // machine is shared). Every segment is timed twice: wall clock, and CPU time of this process (all its
    // threads, so WebCrypto's thread-pool work counts), which other processes disturb far less.
    type Series = { wall: number[]; cpu: number[] };
    const series = (): Series => ({ wall: [], cpu: [] });
    const rawFirst = series();
    const verifierFirst = series();
    const rawSame = series();
    const repeatSame = series();
    const repeatHot = series();
    const timer = () => {
      let wall = 0;
      let cpu = 0;
      return {
        async time<T>(f: () => Promise<T>): Promise<T> {
          const c = process.cpuUsage();
          const t = performance.now();
          const out = await f();
          wall += performance.now() - t;
          const d = process.cpuUsage(c);
          cpu += (d.user + d.system) / 1000;
          return out;
        },
        push(into: Series, count: number) {
          into.wall.push(perSecond(count, wall));
          into.cpu.push(perSecond(count, cpu));
        },
      };
    };
    const half = Math.floor(tokens.length / 2);
    const anchorTokens = tokens.slice(0, half);
    const verifierTokens = tokens.slice(half, 2 * half);
    {
      // Warm-up, not counted: both code paths JIT-compiled before the first measured round.
      const verifier = await newVerifier();
      const warm = tokens.slice(0, Math.min(500, half));
      for (const token of warm) await rawVerify(token);
      for (const token of warm) check(await verifier.verify(token, CONTEXT));
      for (let i = 0; i < 100_000; i++) check(await verifier.verify(warm[i % warm.length]!, CONTEXT));
      await verifier.close();
    }
    for (let round = 0; round < ROUNDS; round++) {
      const verifier = await newVerifier();
      const raw = timer();
      const first = timer();
      // Blocks of 100 alternate (raw first on even rounds), so a GC or a burst of load lands on
      // both sides alike and is not billed to single calls.
      for (let start = 0; start < half; start += 100) {
        const end = Math.min(half, start + 100);
        const rawBlock = () => raw.time(async () => {
          for (let i = start; i < end; i++) await rawVerify(anchorTokens[i]!);
        });
        const verifierBlock = () => first.time(async () => {
          for (let i = start; i < end; i++) check(await verifier.verify(verifierTokens[i]!, CONTEXT));
        });
        if ((start / 100 + round) % 2 === 0) {
          await rawBlock();
          await verifierBlock();
        } else {
          await verifierBlock();
          await rawBlock();
        }
      }
      raw.push(rawFirst, half);
      first.push(verifierFirst, half);

      // Repeats: blocks of REPEAT/100 cached calls alternate with blocks of raw jose on one token.
      const same = verifierTokens[round % half]!;
      const hot = verifierTokens.slice(0, Math.min(HOT, half));
      const block = Math.max(1, Math.floor(REPEAT / 100));
      const rawRepeat = timer();
      const sameTimer = timer();
      const hotTimer = timer();
      let h = 0;
      for (let b = 0; b < 100; b++) {
        await rawRepeat.time(async () => {
          for (let i = 0; i < 10; i++) await rawVerify(same);
        });
        await sameTimer.time(async () => {
          for (let i = 0; i < block; i++) check(await verifier.verify(same, CONTEXT));
        });
        await hotTimer.time(async () => {
          for (let i = 0; i < block; i++) check(await verifier.verify(hot[h++ % hot.length]!, CONTEXT));
        });
      }
      rawRepeat.push(rawSame, 1000);
      sameTimer.push(repeatSame, block * 100);
      hotTimer.push(repeatHot, block * 100);
      await verifier.close();
    }

    const ratio = (a: Series, b: Series, key: keyof Series) => median(a[key].map((v, i) => v / b[key][i]!));
    const row = (label: string, s: Series, goal = '') =>
      `${label.padEnd(48)} ${fmt(median(s.wall)).padStart(10)} /s wall   ${fmt(median(s.cpu)).padStart(10)} /CPU-s   ${goal}`;
    console.log(`verifier throughput — ${ALG}, node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`parameters: tokens=${half} per side per round (alternating blocks of 100), repeat=${REPEAT} per round in 100 blocks, hot=${HOT}, rounds=${ROUNDS}, mirror entries=${ENTRIES}`);
    console.log(`policies on every verifier call: scope READ_PROFILE, User-Agent binding, IP tracking, rate limit (100,000 per 1 ms: never refuses, always runs); revocation: jti/sid/sub lookups in a real KV mirror`);
    console.log('figures: medians of rounds; ratios: medians of per-round ratios, by wall clock and by CPU time of this process');
    console.log('');
    console.log(row('anchor  raw jose.jwtVerify, distinct tokens', rawFirst));
    console.log(row('anchor  raw jose.jwtVerify, one token repeated', rawSame));
    console.log(row('verifier first sight (distinct tokens)', verifierFirst, `${(ratio(verifierFirst, rawFirst, 'wall') * 100).toFixed(1)} % of raw jose by wall, ${(ratio(verifierFirst, rawFirst, 'cpu') * 100).toFixed(1)} % by CPU (goal ≥ 90 %)`));
    // Repeat ratios against the higher of the two raw anchors per round (conservative).
    const bestRaw: Series = { wall: rawFirst.wall.map((v, i) => Math.max(v, rawSame.wall[i]!)), cpu: rawFirst.cpu.map((v, i) => Math.max(v, rawSame.cpu[i]!)) };
    console.log(row('verifier repeat, one token', repeatSame, `${ratio(repeatSame, bestRaw, 'wall').toFixed(0)}× raw jose by wall, ${ratio(repeatSame, bestRaw, 'cpu').toFixed(0)}× by CPU (goal ≥ 100×)`));
    console.log(row(`verifier repeat, ${HOT} hot tokens cycled`, repeatHot, `${ratio(repeatHot, bestRaw, 'wall').toFixed(0)}× raw jose by wall, ${ratio(repeatHot, bestRaw, 'cpu').toFixed(0)}× by CPU`));
    console.log('');
    console.log(`per round (wall /s): raw ${rawFirst.wall.map(fmt).join(', ')} | first ${verifierFirst.wall.map(fmt).join(', ')} | raw same ${rawSame.wall.map(fmt).join(', ')} | repeat ${repeatSame.wall.map(fmt).join(', ')} | hot ${repeatHot.wall.map(fmt).join(', ')}`);
    const medians = (x: Series) => ({ wall: median(x.wall), cpu: median(x.cpu) });
    printResult({
      alg: ALG,
      tokensPerSide: half,
      repeat: REPEAT,
      hot: HOT,
      rounds: ROUNDS,
      entries: ENTRIES,
      rawFirst: medians(rawFirst),
      rawSame: medians(rawSame),
      verifierFirst: medians(verifierFirst),
      repeatSame: medians(repeatSame),
      repeatHot: medians(repeatHot),
      firstVsRaw: { wall: ratio(verifierFirst, rawFirst, 'wall'), cpu: ratio(verifierFirst, rawFirst, 'cpu') },
      repeatVsRaw: { wall: ratio(repeatSame, bestRaw, 'wall'), cpu: ratio(repeatSame, bestRaw, 'cpu') },
      hotVsRaw: { wall: ratio(repeatHot, bestRaw, 'wall'), cpu: ratio(repeatHot, bestRaw, 'cpu') },
    });
  } finally {
    for (const verifier of verifiers) await verifier.close();
    for (const mirror of mirrors) await mirror.close();
    await (await jetstreamManager(nc)).streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
  }
}

await main();
