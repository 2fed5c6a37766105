import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'out/**', 'dist/**', '.scratch/**'],
    globalSetup: ['./common/testing/compiled-build.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './common/test-summary-reporter.ts'],
  },
});
