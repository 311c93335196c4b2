import { defineConfig } from 'vitest/config';

/*
 * `pnpm test:long`: the fault-injection cases (real processes, real outages) and a short soak.
 * They take minutes each and load both cores, so they run one file at a time, apart from
 * `pnpm test`. Each writes its figures; the teardown renders reports/reliability.md.
 */
export default defineConfig({
  test: {
    name: 'long',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/reliability/**/*.long.ts'],
    environment: 'node',
    globalSetup: ['packages/platform/src/testing/global-setup.ts', 'test/reliability/long-setup.ts'],
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
