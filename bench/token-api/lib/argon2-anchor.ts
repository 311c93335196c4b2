/**
 * Bare argon2id verification rate, the login benchmark's anchor: `verify` on the libuv thread
 * pool with the service's parameters and the same concurrency, in a process pinned like the
 * server. Prints one JSON line.
 */
import { tokenApiRequire, type Argon2Module } from './deps.js';
import { runLoad } from './load.js';

const argon2 = tokenApiRequire('@node-rs/argon2') as Argon2Module;
const [memoryKib, timeCost, parallelism, concurrency, warmupMs, durationMs] = process.argv.slice(2).map(Number) as [number, number, number, number, number, number];
const hash = await argon2.hash('bench password 123', { algorithm: 2 /* Argon2id */, memoryCost: memoryKib, timeCost, parallelism });
const result = await runLoad({
  concurrency,
  warmupMs,
  durationMs,
  once: async () => {
    if (!(await argon2.verify(hash, 'bench password 123'))) throw new Error('verify failed');
  },
});
process.stdout.write(`${JSON.stringify({ hash: hash.split('$').slice(0, 4).join('$'), ...result })}\n`);
