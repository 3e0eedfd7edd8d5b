import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The ATT&CK stores and the parsed SigmaHQ rules, built once per run (test/README.md).
    globalSetup: ['test/helpers/global-fixtures.ts'],
  },
});
