import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The embedded ClickHouse engine binds one data directory per process: each test file
    // gets its own process so files can each own an engine and run in parallel.
    pool: 'forks',
    globalSetup: ['runtime/testing/global-setup.ts'],
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
