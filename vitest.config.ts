import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'renderer/**/*.test.ts', 'shared/**/*.test.ts'],
    // The slow fault trials run with `npm run test:faults` (vitest.faults.config.ts).
    exclude: ['tests/faults/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each integration file starts its own moto server; two cores, two files at once.
    maxWorkers: 2,
  },
});
