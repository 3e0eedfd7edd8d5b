import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/sequencer.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one worker on a 2-core machine, the
    // whole suite in one line. Much of a test's time is spent waiting (child processes, Chromium,
    // servers), so one file more than the cores runs at once: 3 on 2 cores (docs/benchmarks.md,
    // issue 15). `npx vitest run --maxWorkers=N` overrides it.
    maxWorkers: availableParallelism() + 1,
    // A worker process runs its files one after another in one module graph instead of a fresh
    // one per file: the per-file start-up (loading src, the CLI, better-sqlite3) was ~0.9 s of CPU
    // per file, 70-90 s of a run (docs/benchmarks.md). So a test file leaves process state as it
    // found it (env, cwd, exit code, listeners: test/helpers/cli.ts restores them) and mocks nothing.
    isolate: false,
    // The slowest files start first (a clean checkout has no vitest cache to say which they are).
    sequence: { sequencer: SlowFirstSequencer },
    // The ATT&CK stores and the parsed SigmaHQ rules, built once per run (test/README.md).
    globalSetup: ['test/helpers/global-fixtures.ts'],
    // Opt-in: CPU per test file, appended to a file (test/helpers/cpu-log.ts).
    setupFiles: process.env['TTPGRAPH_TEST_CPU_LOG'] ? ['test/helpers/cpu-log.ts'] : [],
  },
});
