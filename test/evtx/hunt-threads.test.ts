/**
 * Threaded EVTX hunting on the built code (workers run from dist/; `npm run build` first): runHunt
 * with `threads` 2 and 3 finds exactly what one thread finds (the same hits, in the same order,
 * the same counts), over synthetic multi-chunk .evtx files made from the sigma-regression chunks
 * (test/evtx/synthetic.ts), with all SigmaHQ rules; a damaged chunk gives the same skipped-record
 * problems; several files share one pool. And the mapper the hunt hands to the workers
 * (dist/hunt/evtx-match.js), run in workers that have surely started, names for every record the
 * rules the calling thread's own engine matches.
 *
 * runHunt reports nothing about who matched what, and its workers need about a second to compile
 * the rules while this thread matches a small file alone: the big file (150 chunks) and the
 * several-file hunt leave them time to join (at ~40 chunks they never do), and the last test
 * checks worker-side matching with a pool started at the beginning.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Evtx from '../../src/evtx/index.ts';
import type * as Match from '../../src/hunt/evtx-match.ts';
import type * as Hunt from '../../src/hunt/index.ts';
import type * as Sigma from '../../src/sigma/index.ts';
import { dataPath, projectRoot } from '../helpers/paths.ts';
import { sigmaRulesCache } from '../helpers/fixture-names.ts';
import { chunkOffset, recordsOf } from './fixtures.ts';
import { regressionFiles } from './helpers.ts';
import { regressionChunks, syntheticFile } from './synthetic.ts';

const dist = (...p: string[]): string => pathToFileURL(path.join(projectRoot, 'dist', ...p)).href;

let hunt: typeof Hunt;
let evtx: typeof Evtx;
let match: typeof Match;
let sigma: typeof Sigma;
let collection: Sigma.SigmaCollection;
let pipeline: Sigma.Pipeline;
let dir = '';
/** The files hunted: a big one, a damaged copy of a smaller one, two more, and a regression .json. */
const files = { big: '', damaged: '', a: '', b: '', json: '' };
/** Workers running the hunt's mapper, started first so they have compiled the rules by the last test. */
let pool: Evtx.EvtxWorkers | undefined;
let matchInit: Match.EvtxMatchInit;

interface Run {
  hits: Hunt.HuntHit[];
  problems: Hunt.HuntProblem[];
  summary: Omit<Hunt.HuntSummary, 'elapsedMs' | 'compileMs'>;
  /** Batches the hunt's worker threads answered (seen on the workers' own message events). */
  workerBatches: number;
}

/**
 * With threads, the batches follow a plan (the scheduler's `assign` hook): every other batch goes
 * to a worker, so the workers surely take part however slow the machine, without waiting on a
 * clock (the hunt first waits until its workers have compiled the rules). What is found does not
 * depend on who parsed what.
 */
const everyOther = (k: number): 'caller' | number => (k % 2 === 0 ? 0 : 'caller');

async function huntWith(logs: string[], threads: number): Promise<Run> {
  const hits: Hunt.HuntHit[] = [];
  const problems: Hunt.HuntProblem[] = [];
  let workerBatches = 0;
  // Every worker thread started during the hunt is watched: its batch replies carry `chunks`.
  const watch = (w: Worker): void => {
    w.on('message', (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'chunks' in m) workerBatches++;
    });
  };
  process.on('worker', watch);
  const onHit = (h: Hunt.HuntHit): void => {
    hits.push(h);
  };
  try {
    const { elapsedMs: _e, compileMs: _c, ...summary } = await hunt.runHunt({ collection, pipeline, logs, threads, onHit, onProblem: (p) => problems.push(p), ...(threads > 1 ? { evtxAssign: everyOther } : {}) });
    return { hits, problems, summary, workerBatches };
  } finally {
    process.off('worker', watch);
  }
}

/** What identifies a hit, for readable failures (the full hits are compared too). */
const keyOf = (h: Hunt.HuntHit): string => `${path.basename(h.source)}:${h.line}:${h.ruleId ?? h.title}`;

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'evtx', 'threads', 'worker.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  hunt = (await import(dist('hunt', 'index.js'))) as typeof Hunt;
  evtx = (await import(dist('evtx', 'index.js'))) as typeof Evtx;
  match = (await import(dist('hunt', 'evtx-match.js'))) as typeof Match;
  sigma = (await import(dist('sigma', 'index.js'))) as typeof Sigma;
  // The parsed form of the rules comes from the run's rule cache (test/helpers/global-fixtures.ts).
  const cacheDir = sigmaRulesCache();
  collection = hunt.loadRuleFiles([dataPath('sigma', 'rules')], cacheDir !== undefined ? { cacheDir } : {}).collection;
  pipeline = hunt.loadPipeline([]).pipeline;
  matchInit = { collection: match.matchingCollection(collection), pipeline };
  pool = evtx.startEvtxWorkers({ mapper: dist('hunt', 'evtx-match.js'), init: matchInit, threads: 3 });

  dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-hunt-threads-'));
  const sources = regressionChunks();
  const write = (name: string, bytes: Buffer): string => {
    const p = path.join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  files.big = write('big.evtx', syntheticFile(150, { sources, denseEvery: 2 }).file);
  // Chunk 7 with a bad magic (skipped whole), a record of dense chunk 13 with a damaged size.
  const damaged = syntheticFile(40, { sources, shift: 5, firstId: 50_000 }).file;
  damaged[chunkOffset(7) + 3] = damaged[chunkOffset(7) + 3]! ^ 0xff;
  const rec = recordsOf(damaged, 13)[3]!;
  damaged[chunkOffset(13) + rec.off + 5] = damaged[chunkOffset(13) + rec.off + 5]! ^ 0x11;
  files.damaged = write('damaged.evtx', damaged);
  files.a = write('a.evtx', syntheticFile(40, { sources, shift: 11, firstId: 100_000 }).file);
  files.b = write('b.evtx', syntheticFile(60, { sources, shift: 23, denseEvery: 4, firstId: 200_000 }).file);
  // A regression case of rules/ (so one of the hunt's rules matches it), as the JSON the crate wrote.
  files.json = regressionFiles().find((f) => f.includes(`${path.sep}rules${path.sep}windows${path.sep}process_creation${path.sep}`))!.replace(/\.evtx$/, '.json');
});

afterAll(async () => {
  await pool?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('runHunt over .evtx with threads', () => {
  let one: Run;
  beforeAll(async () => {
    one = await huntWith([files.big], 1);
  });

  it('one thread finds hits from many rules, with no problem', () => {
    expect(one.summary.events).toBeGreaterThan(2000);
    expect(one.summary.hits).toBeGreaterThan(0);
    expect(one.hits.length).toBe(one.summary.hits);
    expect(one.summary.rulesHit).toBeGreaterThan(20);
    expect(one.summary.skippedRecords).toBe(0);
    expect(one.problems.filter((p) => p.kind !== 'rule')).toEqual([]);
  });

  it.each([2, 3])('%i threads find exactly the same hits in the same order, with the same counts', async (threads) => {
    const run = await huntWith([files.big], threads);
    expect(run.hits.map(keyOf)).toEqual(one.hits.map(keyOf));
    expect(run.hits).toEqual(one.hits);
    expect(run.summary).toEqual(one.summary);
    expect(run.problems).toEqual(one.problems);
    expect(one.workerBatches).toBe(0);
    expect(run.workerBatches).toBeGreaterThan(0);
  });

  it('a damaged chunk and record: the same skipped-record problems and hits with 1 and 2 threads', async () => {
    const single = await huntWith([files.damaged], 1);
    const two = await huntWith([files.damaged], 2);
    const input = single.problems.filter((p) => p.kind === 'input');
    expect(input.length).toBeGreaterThanOrEqual(2);
    expect(input.some((p) => /chunk 7\b/.test(p.message))).toBe(true);
    expect(input.every((p) => p.source === files.damaged && p.message.startsWith(`${files.damaged}:?: `))).toBe(true);
    expect(single.summary.skippedRecords).toBe(input.length);
    expect(single.summary.hits).toBeGreaterThan(0);
    expect(two.problems).toEqual(single.problems);
    expect(two.hits).toEqual(single.hits);
    expect(two.summary).toEqual(single.summary);
    expect(two.workerBatches).toBeGreaterThan(0);
  });

  it('several files in one hunt (one pool for all, a JSON log among them): the same as one thread', async () => {
    const logs = [files.a, files.damaged, files.json, files.b, files.big];
    const single = await huntWith(logs, 1);
    const two = await huntWith(logs, 2);
    expect(single.summary.files).toBe(5);
    expect(single.summary.filesFailed).toBe(0);
    // Every file contributes, in the order given.
    const bySource = [...new Set(single.hits.map((h) => h.source))];
    expect(bySource).toEqual(logs);
    expect(two.hits.map(keyOf)).toEqual(single.hits.map(keyOf));
    expect(two.hits).toEqual(single.hits);
    expect(two.summary).toEqual(single.summary);
    expect(two.problems).toEqual(single.problems);
    expect(two.workerBatches).toBeGreaterThan(0);
  });
});

describe("the hunt's mapper in workers", () => {
  it('names, for every record of the file, the rules this thread matches, and the workers do part of it', async () => {
    const { engine } = sigma.compileCollection(collection, { pipeline });
    const ruleIds = (rules: readonly Sigma.CompiledRule[]): string[] => rules.map((r) => r.rule.id ?? r.rule.title);
    // The reference: every record of the file matched here, one by one.
    const bytes = readFileSync(files.big);
    const want: { line: number; rules: string[] }[] = [];
    for (const r of evtx.parseEvtxSync(bytes)) {
      if (!r.ok) throw new Error(r.warning.message);
      const m = engine.matchContext(sigma.eventContext(r.record.data));
      if (m.length > 0) want.push({ line: Number(r.record.recordId), rules: ruleIds(m) });
    }
    expect(want.length).toBeGreaterThan(0);

    const got: { line: number; rules: string[] }[] = [];
    let fromWorkers = 0;
    let stats: Evtx.ParseStats | undefined;
    const local = match.evtxMatcher(engine, false);
    for await (const c of evtx.mapEvtx<Match.EvtxChunkMatches>(bytes, { mapper: dist('hunt', 'evtx-match.js'), init: matchInit, workers: pool!, local, batchChunks: 1, assign: everyOther, onStats: (s) => (stats = s) })) {
      expect(c.warnings).toEqual([]);
      // Workers send the matched events as one JSON text; this thread's matcher keeps objects.
      if (typeof c.value!.events === 'string') fromWorkers += c.value!.lines.length;
      for (const m of match.evtxMatches(c.value!)) got.push({ line: m.line, rules: ruleIds(m.rules.map((i) => engine.rules[i]!)) });
    }
    expect(got).toEqual(want);
    expect(stats!.workers).toBe(2);
    expect(stats!.workerBatches.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(fromWorkers).toBeGreaterThan(0);
  });
});
