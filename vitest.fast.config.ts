// `npm run test:fast`: the library unit tests (src/**/*.test.ts: sigma, evtx, store, core...), no
// run-wide fixtures, no CLI, browser or network. `npm test` stays the full gate.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    isolate: false,
  },
});
