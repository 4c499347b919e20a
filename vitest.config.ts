import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Model tests allocate TensorFlow.js backends; forks keep each test file's backend state separate.
    pool: 'forks',
    // Training graphs that tests build (the graph engine on tfjs-node) are cached here, not in the user's ~/.cache.
    env: { NASFPN_CACHE_DIR: join(tmpdir(), 'nasfpn-test-cache') },
    // Says, once, which system programs (redis-server, tmux) are missing and so whose tests are skipped.
    globalSetup: ['test/helpers/system-programs.ts'],
  },
});
