import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Model tests allocate TensorFlow.js backends; forks keep each test file's backend state separate.
    pool: 'forks',
    // Says, once, which system programs (redis-server, tmux) are missing and so whose tests are skipped.
    globalSetup: ['test/helpers/system-programs.ts'],
  },
});
