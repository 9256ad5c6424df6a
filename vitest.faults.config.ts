import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the slow fault-injection trials; they write docs/reliability.md.
export default defineConfig({
  test: {
    include: ['tests/faults.test.ts', 'tests/faults/**/*.test.ts', 'tests/lifecycle.model.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
    globalSetup: ['tests/faults/report.ts'],
    // Only this run writes the report (tests/faults.test.ts also runs in `npm test`),
    // and it runs the lifecycle's model-based test longer than `npm test` does.
    env: { LABDROP_FAULT_REPORT: '1', LABDROP_MODEL_RUNS: '600' },
  },
});
