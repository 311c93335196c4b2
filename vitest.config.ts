import { defineConfig } from 'vitest/config';

/*
 * One vitest run for the whole workspace. Unit tests live beside the source (`src/**\/*.test.ts`)
 * and need nothing running; integration tests live in each package's `test/` and use the real
 * PostgreSQL and NATS, checked (or started) once by the global setup. Every integration file
 * isolates itself (own schema, streams, buckets), so files run in parallel.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['packages/platform/src/testing/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
