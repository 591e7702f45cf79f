import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for a page or a job to catch up; 1 s (the default) failed browser tests on
    // a loaded 2-core machine. A longer wait costs nothing when the state arrives.
    expect: { poll: { timeout: 20_000 } },
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup-features.ts'],
    reporters: ['default', './test/count-reporter.ts'],
  },
});
