import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'host/**/*.test.ts',
      'renderer/**/*.test.ts',
      'electron/**/*.test.ts',
      'e2e/**/*.test.ts',
    ],
    globalSetup: ['core/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real daemons; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
