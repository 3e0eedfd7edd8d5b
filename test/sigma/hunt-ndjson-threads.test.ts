/**
 * Threaded NDJSON hunting on the built code (workers run from dist/; `npm run build` first): runHunt
 * over one NDJSON file of several 2 MB ranges with `threads` 2 and 3 gives exactly what one thread
 * gives: the same hits in the same order, the same problems (lines that are not JSON, with their
 * line numbers) in the same place among the hits, the same counts. The file has what line handling
 * must get right across range boundaries: a BOM, CRLF lines, blank lines, bad lines, events of no
 * known log source (counted), and a last line without a newline. Its events are the regression events, 95% with scrambled EventData values
 * (bench/realistic-events.mjs), with all of SigmaHQ's rules/ folder.
 *
 * Workers started ahead with a rule source (rule-source.ts) load the rules themselves, from a rule
 * cache or a store, and are sent them only when their digest is not the hunt thread's: the same
 * output either way, and the rules are sent exactly when they must be.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Hunt from '../../src/hunt/index.ts';
import type * as Threads from '../../src/hunt/ndjson-threads.ts';
import type * as Sigma from '../../src/sigma/index.ts';
import { dataPath, projectRoot } from '../helpers/paths.ts';
import { sigmaRulesCache } from '../helpers/fixture-names.ts';

const dist = (...p: string[]): string => pathToFileURL(path.join(projectRoot, 'dist', ...p)).href;

let hunt: typeof Hunt;
let rangeBytes = 0;
let collection: Sigma.SigmaCollection;
let pipeline: Sigma.Pipeline;
let dir = '';
let file = '';
let badLines: number[] = [];

interface Run {
  /** Hits and problems, one JSON line each, in the order the hunt reported them. */
  out: string[];
  summary: Omit<Hunt.HuntSummary, 'elapsedMs' | 'compileMs'>;
  /** Ranges the hunt's worker threads answered (seen on the workers' own message events). */
  workerRanges: number;
}

/** What a run may change besides threads, plan and kills: the rules, filters, and workers started ahead with their digest. */
type More = Partial<Pick<Hunt.HuntOptions, 'collection' | 'filters' | 'ndjsonWorkers' | 'rulesDigest'>>;

/** `kill`: end every worker as it starts, or once it answered its first range. */
async function huntWith(threads: number, assign?: (range: number) => 'caller' | number, kill?: 'at-start' | 'after-first', more: More = {}): Promise<Run> {
  const out: string[] = [];
  let workerRanges = 0;
  const watch = (w: Worker): void => {
    if (kill === 'at-start') void w.terminate();
    w.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'matches' in m && workerRanges++ === 0 && kill === 'after-first') void w.terminate();
    });
  };
  process.on('worker', watch);
  try {
    const { elapsedMs: _e, compileMs: _c, ...summary } = await hunt.runHunt({
      collection,
      pipeline,
      logs: [file],
      threads,
      ...more,
      ...(assign !== undefined ? { ndjsonAssign: assign } : {}),
      onHit: (h) => out.push(JSON.stringify(h)),
      onProblem: (p) => out.push(`problem ${JSON.stringify(p)}`),
    });
    return { out, summary, workerRanges };
  } finally {
    process.off('worker', watch);
  }
}

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'hunt', 'ndjson-worker.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  hunt = (await import(dist('hunt', 'index.js'))) as typeof Hunt;
  rangeBytes = ((await import(dist('hunt', 'ndjson-threads.js'))) as typeof Threads).CHUNK_BYTES;
  const sigma = (await import(dist('sigma', 'index.js'))) as typeof Sigma;
  // The parsed form of the rules comes from the run's rule cache (test/helpers/global-fixtures.ts).
  const cacheDir = sigmaRulesCache();
  collection = hunt.loadRuleFiles([dataPath('sigma', 'rules')], cacheDir !== undefined ? { cacheDir } : {}).collection;
  pipeline = sigma.defaultPipeline;
  const { realisticEvents } = (await import(pathToFileURL(path.join(projectRoot, 'bench', 'realistic-events.mjs')).href)) as {
    realisticEvents: (dir: string, seed?: number) => { event(i: number): unknown };
  };
  const gen = realisticEvents(dataPath('sigma-regression'), 7);
  dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-ndjson-threads-'));
  file = path.join(dir, 'events.ndjson');
  const lines: string[] = [];
  badLines = [];
  for (let i = 0; lines.length < 9000; i++) {
    const text = JSON.stringify(gen.event(i));
    lines.push(i % 101 === 3 ? `${text}\r` : text);
    if (i % 997 === 10) {
      lines.push(`{"truncated": "${text.slice(0, 40)}`);
      badLines.push(lines.length);
    }
    if (i % 1511 === 20) lines.push('  ');
    // Events of no recognised log source: counted per file, reported once, alike on every thread count.
    if (i % 2003 === 30) lines.push(JSON.stringify({ app: 'inventory', level: 'info', msg: `item ${i} moved` }));
  }
  writeFileSync(file, `\uFEFF${lines.join('\n')}`); // no newline after the last line
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('hunt over one large NDJSON file on several threads', () => {
  it('the file spans several ranges, and its bad lines are known', () => {
    expect(statSync(file).size).toBeGreaterThan(4 * 2 * 1024 * 1024);
    expect(badLines.length).toBeGreaterThan(5);
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(false);
  });

  it('gives byte for byte what one thread gives: hits, problems with their lines, counts', async () => {
    const one = await huntWith(1);
    expect(one.workerRanges).toBe(0);
    expect(one.summary.hits).toBeGreaterThan(100);
    const problemLines = one.out.filter((l) => l.startsWith('problem ')).map((l) => (JSON.parse(l.slice(8)) as Hunt.HuntProblem).line);
    expect(problemLines.filter((l) => l !== undefined)).toEqual(badLines);
    expect(one.summary.unknownLogsource).toBeGreaterThan(3);
    // Planned (the test hook): every other range goes to a worker, so the workers surely take
    // part whatever the machine's speed; then as it comes (whoever is free takes the next range).
    const everyOther = (k: number): 'caller' | number => (k % 2 === 0 ? 'caller' : k >> 1);
    for (const [threads, assign] of [[2, everyOther], [3, everyOther], [2, undefined]] as const) {
      const run = await huntWith(threads, assign);
      if (assign !== undefined) expect(run.workerRanges).toBe(Math.floor(Math.ceil(statSync(file).size / rangeBytes) / 2));
      expect(run.summary).toEqual(one.summary);
      expect(run.out.length).toBe(one.out.length);
      expect(run.out).toEqual(one.out);
    }
  });

  it('a worker that dies, before its first range or during one: the hunt thread does its ranges, output unchanged', async () => {
    const one = await huntWith(1);
    const everyOther = (k: number): 'caller' | number => (k % 2 === 0 ? 'caller' : 0);
    const early = await huntWith(2, everyOther, 'at-start');
    expect(early.workerRanges).toBe(0);
    expect(early.out).toEqual(one.out);
    expect(early.summary).toEqual(one.summary);
    const late = await huntWith(2, everyOther, 'after-first');
    expect(late.workerRanges).toBeGreaterThanOrEqual(1);
    expect(late.out).toEqual(one.out);
    expect(late.summary).toEqual(one.summary);
  });
});

describe('workers that load the rules themselves (started ahead, with a rule source)', () => {
  // A copy of one rules folder, so that a file can change; its cache is written by the first load.
  let rulesDir = '';
  let cacheDir = '';
  let loaded: Hunt.LoadedRules;
  const everyOther = (k: number): 'caller' | number => (k % 2 === 0 ? 'caller' : 0);
  const pool = (source: Hunt.RuleSource): NonNullable<Hunt.HuntOptions['ndjsonWorkers']> => {
    const p = hunt.startNdjsonWorkers({ logs: [file], threads: 2, source });
    if (p === undefined) throw new Error('no NDJSON workers');
    return p;
  };

  beforeAll(() => {
    rulesDir = path.join(dir, 'rules');
    cacheDir = path.join(dir, 'cache');
    cpSync(dataPath('sigma', 'rules', 'windows', 'process_creation'), rulesDir, { recursive: true });
    loaded = hunt.loadRuleFiles([rulesDir], { cacheDir, digest: true });
    expect(loaded.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('from a valid rule cache: no rules sent, the same output as one thread, with and without filters', async () => {
    for (const filters of [undefined, { minLevel: 'high' as const }]) {
      const base = { collection: loaded.collection, ...(filters !== undefined ? { filters } : {}) };
      const one = await huntWith(1, undefined, undefined, base);
      expect(one.summary.hits).toBeGreaterThan(20);
      const workers = pool({ files: { paths: [rulesDir], cacheDir } });
      const two = await huntWith(2, everyOther, undefined, { ...base, ndjsonWorkers: workers, rulesDigest: hunt.sourceDigest([loaded.digest])! });
      expect(workers.rulesSent).toBe(0);
      expect(two.workerRanges).toBeGreaterThan(0);
      expect(two.summary).toEqual(one.summary);
      expect(two.out).toEqual(one.out);
    }
  });

  it('a stale cache, or rules that are not the hunt thread\'s: the worker is sent the rules, output unchanged', async () => {
    const one = await huntWith(1, undefined, undefined, { collection: loaded.collection });
    // Not the same digest (as when the hunt's rules changed between the two loads).
    const other = pool({ files: { paths: [rulesDir], cacheDir } });
    const mismatch = await huntWith(2, everyOther, undefined, { collection: loaded.collection, ndjsonWorkers: other, rulesDigest: '0'.repeat(64) });
    expect(other.rulesSent).toBe(1);
    expect(mismatch.workerRanges).toBeGreaterThan(0);
    expect(mismatch.out).toEqual(one.out);
    // A rule changed since the cache the worker reads was written: the worker loads the old rules
    // from it (on trust), the hunt thread the new ones (through another cache folder): the digests differ.
    const stale = path.join(dir, 'cache-stale');
    cpSync(cacheDir, stale, { recursive: true });
    // The change: a rule that fires no longer does, so a worker with the old rules would differ.
    const fired = [...new Set(one.out.filter((l) => !l.startsWith('problem ')).map((l) => (JSON.parse(l) as Hunt.HuntHit).ruleFile))];
    const oneLine = /^( {4})condition: \S.*$/m;
    const changed = fired.find((f) => f !== undefined && oneLine.test(readFileSync(f, 'utf8')))!;
    writeFileSync(changed, readFileSync(changed, 'utf8').replace(oneLine, "$1condition: never\n$1never:\n$1    Image|endswith: '\\\\no-such-program.exe'"));
    const now = hunt.loadRuleFiles([rulesDir], { cacheDir, digest: true });
    expect(now.digest).not.toBe(loaded.digest);
    const oneNow = await huntWith(1, undefined, undefined, { collection: now.collection });
    expect(oneNow.summary.hits).toBeLessThan(one.summary.hits);
    const workers = pool({ files: { paths: [rulesDir], cacheDir: stale } });
    const two = await huntWith(2, everyOther, undefined, { collection: now.collection, ndjsonWorkers: workers, rulesDigest: hunt.sourceDigest([now.digest])! });
    expect(workers.rulesSent).toBe(1);
    expect(two.out).toEqual(oneNow.out);
    expect(two.summary).toEqual(oneNow.summary);
  });
});
