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

const { values: args } = parseArgs({
  options: {
    tokens: { type: 'string', default: '3000' },
    repeat: { type: 'string', default: '1000000' },
    hot: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
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

    const rawFirst: number[] = [];
    const verifierFirst: number[] = [];
    const rawSame: number[] = [];
    const repeatSame: number[] = [];
    const repeatHot: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Anchor: raw jose over the distinct tokens.
      let t = performance.now();
      for (const token of tokens) await jwtVerify(token, publicKey, { issuer: issuer.issuer, audience: issuer.audience, algorithms: [ALG] });
      rawFirst.push(perSecond(tokens.length, performance.now() - t));

      // First sight: a verifier that has seen none of them.
      const verifier = await newVerifier();
      t = performance.now();
      for (const token of tokens) {
        const result = await verifier.verify(token, CONTEXT);
        if (!result.ok) throw new Error(`unexpected refusal: ${result.reason}`);
      }
      verifierFirst.push(perSecond(tokens.length, performance.now() - t));

      // Raw jose on one token over and over (it has no cache: the anchor for the repeat goal).
      const same = tokens[round % tokens.length]!;
      t = performance.now();
      for (let i = 0; i < TOKENS; i++) await jwtVerify(same, publicKey, { issuer: issuer.issuer, audience: issuer.audience, algorithms: [ALG] });
      rawSame.push(perSecond(TOKENS, performance.now() - t));

      // Repeat: the same token REPEAT times, then a hot set of HOT tokens cycled REPEAT times.
      t = performance.now();
      for (let i = 0; i < REPEAT; i++) {
        const result = await verifier.verify(same, CONTEXT);
        if (!result.ok) throw new Error(`unexpected refusal: ${result.reason}`);
      }
      repeatSame.push(perSecond(REPEAT, performance.now() - t));
      const hot = tokens.slice(0, Math.min(HOT, tokens.length));
      t = performance.now();
      for (let i = 0; i < REPEAT; i++) {
        const result = await verifier.verify(hot[i % hot.length]!, CONTEXT);
        if (!result.ok) throw new Error(`unexpected refusal: ${result.reason}`);
      }
      repeatHot.push(perSecond(REPEAT, performance.now() - t));
      await verifier.close();
    }

    const anchor = median(rawFirst);
    const anchorSame = median(rawSame);
    console.log(`verifier throughput — ${ALG}, node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, load avg ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`parameters: tokens=${TOKENS} repeat=${REPEAT} hot=${HOT} rounds=${ROUNDS} mirror entries=${ENTRIES} (median of rounds shown)`);
    console.log(`policies on every verifier call: scope READ_PROFILE, User-Agent binding, IP tracking, rate limit (100,000 per 1 ms: never refuses, always runs); revocation: jti/sid/sub lookups in a real KV mirror`);
    console.log('');
    console.log(`anchor  raw jose.jwtVerify, distinct tokens      ${fmt(anchor).padStart(12)} verifications/s   rounds: ${rawFirst.map(fmt).join(', ')}`);
    console.log(`anchor  raw jose.jwtVerify, one token repeated   ${fmt(anchorSame).padStart(12)} verifications/s   rounds: ${rawSame.map(fmt).join(', ')}`);
    console.log(`verifier first sight (distinct tokens)           ${fmt(median(verifierFirst)).padStart(12)} verifications/s   ${((median(verifierFirst) / anchor) * 100).toFixed(1)} % of raw jose (goal ≥ 90 %)   rounds: ${verifierFirst.map(fmt).join(', ')}`);
    console.log(`verifier repeat, one token                       ${fmt(median(repeatSame)).padStart(12)} verifications/s   ${(median(repeatSame) / anchorSame).toFixed(0)}× raw jose (goal ≥ 100×)   rounds: ${repeatSame.map(fmt).join(', ')}`);
    console.log(`verifier repeat, ${HOT} hot tokens cycled        ${fmt(median(repeatHot)).padStart(12)} verifications/s   ${(median(repeatHot) / anchorSame).toFixed(0)}× raw jose   rounds: ${repeatHot.map(fmt).join(', ')}`);
  } finally {
    for (const verifier of verifiers) await verifier.close();
    for (const mirror of mirrors) await mirror.close();
    await (await jetstreamManager(nc)).streams.delete(`KV_${bucket}`).catch(() => undefined);
    await nc.close();
  }
}

await main();
