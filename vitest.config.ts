import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'drivers/**/*.test.ts', 'simulators/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // The default reporter, and a watchdog that ends a run Vitest cannot end (test/helpers/run-watchdog.ts).
    reporters: ['default', './test/helpers/run-watchdog.ts'],
  },
});
