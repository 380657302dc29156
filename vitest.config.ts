import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on a two-core CI machine. The e2e
    // files mostly wait on kubectl and client processes, so two workers there take the suite from
    // about 19 to 13 minutes (measured on a loaded two-core machine, no failures)
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
