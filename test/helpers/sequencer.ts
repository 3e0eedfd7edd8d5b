/**
 * The order test files start in (vitest.config.ts `sequence.sequencer`). Several files run at once
 * (maxWorkers); a long file started last is the run's tail, so the long ones go first. vitest does
 * that by itself once its results cache (node_modules/.vite/vitest) knows the durations, but a
 * clean checkout (CI) has no cache and vitest falls back to "largest file first". So the files
 * measured slowest (docs/benchmarks.md, issue 15) start first, in this order; the rest follow in
 * vitest's own order (its cached durations, or file size).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { TestSequencer, TestSpecification, Vitest } from 'vitest/node';

/** Slowest first: their own duration, measured on the 2-core machine (vitest per-file times). */
export const SLOW_FILES = [
  'test/sigma/stored-rules.test.ts',
  'test/web/analyst.test.ts',
  'test/e2e/readme-quickstart.test.ts',
  'test/sync/sync-sigma.test.ts',
  'test/clickhouse/cli.test.ts',
  'test/evtx/hunt-threads.test.ts',
  'test/clickhouse/semantics.test.ts',
  'test/sync/sync-http.test.ts',
  'test/web/browser.test.ts',
  'test/sigma/hunt-ndjson-threads.test.ts',
  'test/coverage/attack-coverage.test.ts',
  'test/graph/sigma-graph.test.ts',
  'test/security/store.test.ts',
  'test/fuzz/fuzz.test.ts',
  'test/evtx/hunt-cli-threads.test.ts',
];

/**
 * (Written against vitest's TestSequencer interface rather than by extending its BaseSequencer:
 * a value import from vitest/node sends ESLint's import-x/no-cycle into vitest's own dist, where it
 * fails.) The files not listed go as vitest orders them: longest first by its cached durations,
 * else largest file first.
 */
export default class SlowFirstSequencer implements TestSequencer {
  private readonly ctx: Vitest;
  constructor(ctx: Vitest) {
    this.ctx = ctx;
  }

  sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const relativePath = (spec: TestSpecification): string => path.relative(root, spec.moduleId).split(path.sep).join('/');
    const rank = (spec: TestSpecification): number => {
      const i = SLOW_FILES.indexOf(relativePath(spec));
      return i < 0 ? SLOW_FILES.length : i;
    };
    const cached = (spec: TestSpecification): number | undefined => this.ctx.cache.getFileTestResults(`${spec.project.name}:${relativePath(spec)}`)?.duration;
    const size = (spec: TestSpecification): number => statSync(spec.moduleId).size;
    const keyed = files.map((spec) => ({ spec, rank: rank(spec), duration: cached(spec), size: size(spec) }));
    keyed.sort((a, b) => {
      if (a.rank !== b.rank) return a.rank - b.rank;
      if (a.duration !== undefined && b.duration !== undefined) return b.duration - a.duration;
      if (a.duration === undefined && b.duration !== undefined) return -1; // unknown first, as vitest does
      if (b.duration === undefined && a.duration !== undefined) return 1;
      return b.size - a.size;
    });
    return Promise.resolve(keyed.map((k) => k.spec));
  }

  /** `--shard i/n`: the files split by a hash of their path, as vitest does, so shards never overlap. */
  shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { index, count } = this.ctx.config.shard ?? { index: 1, count: 1 };
    const hashed = files
      .map((spec) => ({ spec, hash: createHash('sha1').update(path.relative(this.ctx.config.root, spec.moduleId)).digest('hex') }))
      .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    const per = Math.ceil(hashed.length / count);
    return Promise.resolve(hashed.slice((index - 1) * per, index * per).map((h) => h.spec));
  }
}
