// vitest's settings for the suite: which files are tests, their timeout, and how many run at once.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // One test file per core (vitest's default is one fewer: a single file at a time on a 2-core machine),
    // since many files mostly wait on what they start: the CLI's processes, Chromium, Redis.
    maxWorkers: '100%',
  },
});
