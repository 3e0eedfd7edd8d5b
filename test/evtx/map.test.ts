/**
 * mapEvtx on the built code (workers run from dist/; `npm run build` first): a mapper module run
 * over every chunk in the thread that parsed it gives, in file order, exactly what the same mapper
 * gives over parseEvtxSync's records chunk by chunk, whatever the threads and batch size; damaged
 * chunks show as warnings in their place; a pool from startEvtxWorkers serves several files with
 * the same workers; `local` is what the calling thread runs; a mapper that fails in the workers
 * leaves the work to the calling thread; a module without createEvtxMapper is refused by name; and
 * stopping early (or closing a pool) lets the process exit. The mappers are test/evtx/mappers/*.mjs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/paths.ts';
import type * as Evtx from '../../src/evtx/index.ts';
import { parseEvtxSync } from '../../src/evtx/index.ts';
import { bigFile, CHUNK, damagedBigFile, HEADER, runLibScript, type ScriptRun } from './fixtures.ts';

const distIndex = path.join(projectRoot, 'dist', 'evtx', 'index.js');
const mappers = path.join(projectRoot, 'test', 'evtx', 'mappers');
/** The ids mapper as a file: URL; some tests give it as a plain path instead. */
const idsPath = path.join(mappers, 'ids.mjs');
const idsMapper = pathToFileURL(idsPath);
const throwsOnCreate = pathToFileURL(path.join(mappers, 'throws-on-create.mjs'));
const noExport = pathToFileURL(path.join(mappers, 'no-export.mjs'));
const threadMapper = pathToFileURL(path.join(mappers, 'thread.mjs'));
const asyncMapper = pathToFileURL(path.join(mappers, 'async-ids.mjs'));

/** What test/evtx/mappers/ids.mjs answers per chunk. */
interface Ids {
  readonly tag: string;
  readonly ids: number[];
  readonly keys: number[];
  readonly warnings: number;
}
interface IdsInit {
  readonly tag?: string;
  readonly failChunk?: number;
}
interface IdsModule {
  createEvtxMapper(init?: IdsInit): Evtx.EvtxMapper<Ids>;
}
interface Threaded {
  readonly thread: number;
  readonly ids: number[];
}

let dir = '';
let lib: typeof Evtx;
let ids: IdsModule;

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'evtx', 'threads', 'worker.js'))) throw new Error('dist/evtx is missing: run `npm run build` first');
  lib = (await import(pathToFileURL(distIndex).href)) as typeof Evtx;
  ids = (await import(idsMapper.href)) as IdsModule;
  dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-evtx-map-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/**
 * The plan runs that must show workers sharing the work follow (the scheduler's `assign` hook), so
 * that who parses what does not depend on how fast workers start on this machine: with `threads`
 * threads, batch k goes to worker k mod threads, except every threads-th batch (k mod threads =
 * threads − 1), which this thread parses. Batch 20 thus always lands on a worker.
 */
const shared =
  (threads: number) =>
  (k: number): Evtx.BatchOwner =>
    k % threads === threads - 1 ? 'caller' : k % threads;
/** The batches of `batches` that `shared(threads)` gives to this thread, then to each worker. */
function sharesOf(threads: number, batches: number): { caller: number; workers: number[] } {
  const ks = [...Array(batches).keys()];
  return { caller: ks.filter((k) => k % threads === threads - 1).length, workers: Array.from({ length: threads - 1 }, (_, w) => ks.filter((k) => k % threads === w).length) };
}

const chunksIn = (file: Uint8Array): number => (file.length - HEADER) / CHUNK;

/** The reference: parseEvtxSync's records and warnings grouped by chunk, with `map` applied to each. */
function expected<R>(file: Uint8Array, map: Evtx.EvtxMapper<R>): Evtx.MappedChunk<R>[] {
  const all = [...parseEvtxSync(file, { source: 'big.evtx' })];
  return Array.from({ length: chunksIn(file) }, (_, chunk) => {
    const records = all.flatMap((r) => (r.ok && r.record.chunk === chunk ? [r.record] : []));
    const warnings = all.flatMap((r) => (!r.ok && r.warning.chunk === chunk ? [r.warning] : []));
    return { chunk, records: records.length, warnings, value: map({ records, warnings }) };
  });
}

interface Run<R> {
  chunks: Evtx.MappedChunk<R>[];
  stats: Evtx.ParseStats;
}

async function collect<R>(input: Uint8Array | Evtx.RandomAccessReader, options: Evtx.MapOptions<R>): Promise<Run<R>> {
  const chunks: Evtx.MappedChunk<R>[] = [];
  let stats: Evtx.ParseStats | undefined;
  for await (const c of lib.mapEvtx<R>(input, { source: 'big.evtx', ...options, onStats: (s) => (stats = s) })) chunks.push(c);
  return { chunks, stats: stats! };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
/** A value without its tag, to compare what two differently tagged mappers computed. */
const untagged = (v: Ids | undefined): Omit<Ids, 'tag'> | undefined => (v === undefined ? undefined : { ids: v.ids, keys: v.keys, warnings: v.warnings });
const untaggedChunks = (cs: readonly Evtx.MappedChunk<Ids>[]): unknown[] => cs.map((c) => ({ ...c, value: untagged(c.value) }));

describe('mapEvtx across threads', () => {
  const file = bigFile(48);
  const init: IdsInit = { tag: 'from-init' };
  let want: Evtx.MappedChunk<Ids>[];
  beforeAll(() => {
    want = expected(file, ids.createEvtxMapper(init));
  });

  it('the reference has one answer per chunk, each with records', () => {
    expect(want.map((c) => c.chunk)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    expect(sum(want.map((c) => c.records))).toBeGreaterThan(48 * 2);
    expect(want.every((c) => c.warnings.length === 0 && c.value!.ids.length === c.records && c.value!.keys.every((k) => k > 0))).toBe(true);
  });

  for (const threads of [1, 2, 4]) {
    for (const batchChunks of [1, 3, undefined]) {
      it(`${threads} thread(s), batches of ${batchChunks ?? 'default'} chunks: the mapper's answers in file order, work shared`, async () => {
        const { chunks, stats } = await collect<Ids>(file, { mapper: idsMapper, init, threads, ...(threads > 1 ? { assign: shared(threads) } : {}), ...(batchChunks !== undefined ? { batchChunks } : {}) });
        expect(chunks).toEqual(want);
        expect(stats.workers).toBe(threads - 1);
        expect(stats.batches).toBe(Math.ceil(48 / stats.batchChunks));
        if (batchChunks !== undefined) expect(stats.batchChunks).toBe(batchChunks);
        expect(stats.callerBatches + sum(stats.workerBatches)).toBe(stats.batches);
        if (threads > 1) {
          expect(sum(stats.workerBatches)).toBeGreaterThan(0);
          const planned = sharesOf(threads, stats.batches);
          expect(stats.callerBatches).toBe(planned.caller);
          expect(stats.workerBatches).toEqual(planned.workers);
        }
      });
    }
  }

  it('takes the mapper module as a plain path too', async () => {
    const { chunks, stats } = await collect<Ids>(file, { mapper: idsPath, init, threads: 2, batchChunks: 2, assign: shared(2) });
    expect(chunks).toEqual(want);
    expect(sum(stats.workerBatches)).toBeGreaterThan(0);
  });

  it('waits for a mapper whose createEvtxMapper is async (workers ready late)', async () => {
    const map: Evtx.EvtxMapper<{ tag: string; ids: number[] }> = (c) => ({ tag: 'async', ids: c.records.map((r) => Number(r.recordId)) });
    const { chunks } = await collect(file, { mapper: asyncMapper, init: { delayMs: 150 }, threads: 3, batchChunks: 1 });
    expect(chunks).toEqual(expected(file, map));
  });
});

describe('a damaged chunk in the middle', () => {
  it.each([1, 2, 4])('shows as warnings in its place, the other chunks intact (%i threads)', async (threads) => {
    const bad = damagedBigFile();
    const map = ids.createEvtxMapper();
    const want = expected(bad, map);
    const clean = expected(bigFile(48), map);
    const p = path.join(dir, `damaged-${threads}.evtx`);
    writeFileSync(p, bad);
    const fh = await open(p, 'r');
    try {
      const { chunks, stats } = await collect<Ids>(await lib.fileHandleReader(fh), { mapper: idsMapper, threads, batchChunks: 2, ...(threads > 1 ? { assign: shared(threads) } : {}) });
      expect(chunks).toEqual(want);
      expect(chunks.map((c) => c.chunk)).toEqual(Array.from({ length: 48 }, (_, i) => i));
      expect(chunks[17]!.warnings.map((w) => w.code)).toEqual(['bad-chunk-magic']);
      expect(chunks[17]!.records).toBe(0);
      expect(chunks[17]!.value).toEqual({ tag: 'module', ids: [], keys: [], warnings: 1 });
      expect(chunks[30]!.warnings.map((w) => w.code)).toEqual(['chunk-data-crc', 'bad-record']);
      expect(chunks[30]!.records).toBe(clean[30]!.records - 1);
      // Every other chunk answers exactly as in the undamaged file.
      for (const i of [...Array(48).keys()].filter((i) => i !== 17 && i !== 30)) expect(chunks[i]).toEqual(clean[i]);
      if (threads > 1) expect(sum(stats.workerBatches)).toBeGreaterThan(0);
    } finally {
      await fh.close();
    }
  });
});

describe('startEvtxWorkers', () => {
  const files = [bigFile(48), damagedBigFile(), bigFile(30, 3)];

  it('one pool serves three files in a row: the same answers as without it, by the same workers', async () => {
    const pool = lib.startEvtxWorkers({ mapper: idsMapper, init: { tag: 'pooled' }, threads: 3 });
    try {
      expect(pool.size).toBe(2);
      for (const f of files) {
        const alone = await collect<Ids>(f, { mapper: idsMapper, init: { tag: 'pooled' }, threads: 3, batchChunks: 1, assign: shared(3) });
        const pooled = await collect<Ids>(f, { mapper: idsMapper, init: { tag: 'pooled' }, workers: pool, batchChunks: 1, assign: shared(3) });
        expect(pooled.chunks).toEqual(expected(f, ids.createEvtxMapper({ tag: 'pooled' })));
        expect(pooled.chunks).toEqual(alone.chunks);
        expect(pooled.stats.workers).toBe(2);
        expect(pooled.stats.workerBatches.length).toBe(2);
        // The stats are this file's, not the pool's running total.
        expect(pooled.stats.callerBatches + sum(pooled.stats.workerBatches)).toBe(pooled.stats.batches);
        expect(sum(pooled.stats.workerBatches)).toBeGreaterThan(0);
        expect(pooled.stats.workerBatches).toEqual(sharesOf(3, pooled.stats.batches).workers);
        expect(pool.size).toBe(2);
      }
    } finally {
      await pool.close();
    }
  });

  it('reuses its workers: answers of three files come from at most two worker threads (fresh workers per file would be more)', async () => {
    const workerThreads = async (workers?: Evtx.EvtxWorkers): Promise<Set<number>> => {
      const seen = new Set<number>();
      for (const f of files) {
        const { chunks } = await collect<Threaded>(f, { mapper: threadMapper, threads: 3, batchChunks: 1, assign: shared(3), ...(workers !== undefined ? { workers } : {}) });
        expect(chunks.map((c) => c.value!.ids)).toEqual(expected(f, (c) => c.records.map((r) => Number(r.recordId))).map((c) => c.value));
        for (const c of chunks) if (c.value!.thread !== 0) seen.add(c.value!.thread);
      }
      return seen;
    };
    const pool = lib.startEvtxWorkers({ mapper: threadMapper, threads: 3 });
    let pooled: Set<number>;
    try {
      pooled = await workerThreads(pool);
    } finally {
      await pool.close();
    }
    // Both workers had batches of every file (the plan), and they are the same two each time.
    expect(pooled.size).toBe(2);
    // Without a pool each file starts its own workers, with new thread ids.
    const fresh = await workerThreads();
    expect(fresh.size).toBeGreaterThan(2);
    expect([...fresh].some((t) => pooled.has(t))).toBe(false);
  });

  it('after close(), a file given the closed pool is mapped on this thread alone', async () => {
    const pool = lib.startEvtxWorkers({ mapper: idsMapper, threads: 2 });
    await collect<Ids>(files[0]!, { mapper: idsMapper, workers: pool });
    await pool.close();
    const { chunks, stats } = await collect<Ids>(files[0]!, { mapper: idsMapper, workers: pool });
    expect(chunks).toEqual(expected(files[0]!, ids.createEvtxMapper()));
    expect(sum(stats.workerBatches)).toBe(0);
  });
});

describe('the local option', () => {
  const file = bigFile(96);

  it('is what the calling thread runs: with 2 threads both kinds of answer appear, matching the work shares', async () => {
    const local = ids.createEvtxMapper({ tag: 'local' });
    const { chunks, stats } = await collect<Ids>(file, { mapper: idsMapper, init: { tag: 'module' }, local, threads: 2, batchChunks: 1, assign: shared(2) });
    expect(untaggedChunks(chunks)).toEqual(untaggedChunks(expected(file, ids.createEvtxMapper())));
    const tags = chunks.map((c) => c.value!.tag);
    expect(tags.filter((t) => t === 'local').length).toBe(stats.callerBatches);
    expect(tags.filter((t) => t === 'module').length).toBe(sum(stats.workerBatches));
    expect(stats.callerBatches).toBeGreaterThan(0);
    expect(sum(stats.workerBatches)).toBeGreaterThan(0);
    expect(new Set(tags)).toEqual(new Set(['local', 'module']));
    expect(stats.callerBatches).toBe(48);
  });

  it('with 1 thread, only the local answers', async () => {
    const local = ids.createEvtxMapper({ tag: 'local' });
    const { chunks, stats } = await collect<Ids>(file, { mapper: idsMapper, init: { tag: 'module' }, local, threads: 1 });
    expect(chunks).toEqual(expected(file, local));
    expect(chunks.every((c) => c.value!.tag === 'local')).toBe(true);
    expect(stats.workers).toBe(0);
  });
});

describe('a mapper that fails in the workers', () => {
  const file = bigFile(48);

  // The plan gives the workers batches, so they surely take some and hand them back.
  it.each([2, 4])('createEvtxMapper throws: with `local`, the calling thread answers every chunk (%i threads)', async (threads) => {
    const local = ids.createEvtxMapper({ tag: 'local' });
    const { chunks, stats } = await collect<Ids>(file, { mapper: throwsOnCreate, local, threads, batchChunks: 1, assign: shared(threads) });
    expect(chunks).toEqual(expected(file, ids.createEvtxMapper({ tag: 'local' })));
    expect(chunks.flatMap((c) => c.warnings)).toEqual([]);
    expect(stats.workers).toBe(threads - 1);
    expect(sum(stats.workerBatches)).toBe(0);
    expect(stats.callerBatches).toBe(stats.batches);
  });

  it('createEvtxMapper throws in a shared pool: every file is still answered in full', async () => {
    const local = ids.createEvtxMapper({ tag: 'local' });
    const pool = lib.startEvtxWorkers({ mapper: throwsOnCreate, threads: 3 });
    try {
      const workers: number[] = [];
      for (const f of [file, damagedBigFile(), bigFile(12, 2)]) {
        const { chunks, stats } = await collect<Ids>(f, { mapper: throwsOnCreate, local, workers: pool, batchChunks: 1, assign: shared(3) });
        expect(chunks).toEqual(expected(f, ids.createEvtxMapper({ tag: 'local' })));
        expect(sum(stats.workerBatches)).toBe(0);
        workers.push(stats.workers);
      }
      // Both workers took a batch of the first file, handed it back and retired: the next files
      // see no live worker in the pool and are mapped here alone.
      expect(workers).toEqual([2, 0, 0]);
    } finally {
      await pool.close();
    }
  });

  it.each([2, 4])('the function throws on chunk 20 in the workers: with `local`, nothing is lost (%i threads)', async (threads) => {
    const local = ids.createEvtxMapper({ tag: 'local' });
    const { chunks, stats } = await collect<Ids>(file, { mapper: idsMapper, init: { failChunk: 20 }, local, threads, batchChunks: 1, assign: shared(threads) });
    expect(untaggedChunks(chunks)).toEqual(untaggedChunks(expected(file, ids.createEvtxMapper())));
    expect(chunks.flatMap((c) => c.warnings)).toEqual([]);
    // Chunk 20 can only have been answered here: the module refuses it.
    expect(chunks[20]!.value!.tag).toBe('local');
    // The workers answered the others they took.
    expect(chunks.filter((c) => c.value!.tag === 'module').length).toBe(sum(stats.workerBatches));
    expect(sum(stats.workerBatches)).toBeGreaterThan(0);
  });

  it.each([1, 2])('the function throws on chunk 20 and no `local` is given: the iteration ends with its error (%i threads)', async (threads) => {
    const got: Evtx.MappedChunk<Ids>[] = [];
    const run = async (): Promise<void> => {
      for await (const c of lib.mapEvtx<Ids>(file, { mapper: idsMapper, init: { failChunk: 20 }, threads, batchChunks: 1 })) got.push(c);
    };
    await expect(run()).rejects.toThrow('ids mapper refuses chunk 20');
    // What came before is right and in order (with workers this thread may meet chunk 20 while
    // parsing ahead, before yielding all the chunks below it).
    const want = expected(file, ids.createEvtxMapper());
    expect(got.length).toBeLessThanOrEqual(20);
    if (threads === 1) expect(got.length).toBe(20);
    expect(got).toEqual(want.slice(0, got.length));
  });

  it('createEvtxMapper throws and no `local` is given: mapEvtx rejects with its error', async () => {
    await expect(collect(file, { mapper: throwsOnCreate, threads: 2 })).rejects.toThrow('throws-on-create: no mapper today');
  });

  it('a module without createEvtxMapper: mapEvtx rejects with an error naming the module', async () => {
    const err = await collect(file, { mapper: noExport, threads: 2 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(noExport.href);
    expect((err as Error).message).toContain('createEvtxMapper');
  });

  it('a module that does not exist: mapEvtx rejects', async () => {
    const missing = pathToFileURL(path.join(mappers, 'does-not-exist.mjs'));
    await expect(collect(file, { mapper: missing, threads: 2 })).rejects.toThrow(/does-not-exist\.mjs/);
  });
});

describe('stopping early and closing', () => {
  const script = (body: string): ScriptRun => runLibScript(dir, 'big-map-stop.evtx', `const mapper = ${JSON.stringify(idsMapper.href)};\n${body}`);

  it('break after the first chunk with 2 threads terminates the workers; the process exits on its own', () => {
    const r = script(`let n = 0; let stats; let first;
for await (const c of lib.mapEvtx(bytes, { mapper, threads: 2, batchChunks: 1, onStats: (s) => (stats = s) })) { first = c; if (++n === 1) break; }
console.log(JSON.stringify({ n, chunk: first.chunk, workers: stats.workers }));`);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 1, chunk: 0, workers: 1 });
  });

  it('break in this test process: the iteration ends and the next one works', async () => {
    const file = bigFile(48);
    let stats: Evtx.ParseStats | undefined;
    let n = 0;
    for await (const c of lib.mapEvtx<Ids>(file, { mapper: idsMapper, threads: 2, batchChunks: 1, onStats: (s) => (stats = s) })) {
      expect(c.chunk).toBe(0);
      if (++n === 1) break;
    }
    expect(stats!.workers).toBe(1);
    expect((await collect<Ids>(file, { mapper: idsMapper, threads: 2 })).chunks).toEqual(expected(file, ids.createEvtxMapper()));
  });

  it('a pool used for two files and closed lets the process exit; without close() it would not', async () => {
    const body = (close: boolean): string => `const pool = lib.startEvtxWorkers({ mapper, threads: 3 });
let chunks = 0;
for (let i = 0; i < 2; i++) for await (const c of lib.mapEvtx(bytes, { mapper, workers: pool })) chunks++;
${close ? 'await pool.close();' : ''}
console.log(JSON.stringify({ size: pool.size, chunks }));`;
    const closed = script(body(true));
    expect(closed.signal).toBeNull();
    expect(closed.stderr).toBe('');
    expect(closed.status).toBe(0);
    expect(JSON.parse(closed.stdout)).toEqual({ size: 2, chunks: 192 });
    // The control: the same script without close() is still running 1.5 s after its last line ran
    // (counted from its output, so a slow start on a loaded machine does not count), and is killed.
    const child = spawn(process.execPath, ['-e', `import(${JSON.stringify(pathToFileURL(distIndex).href)}).then((lib) => { const pool = lib.startEvtxWorkers({ mapper: ${JSON.stringify(idsMapper.href)}, threads: 2 }); console.log(pool.size); })`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const printed = await new Promise<string>((resolve) => child.stdout.setEncoding('utf8').once('data', (d: string) => resolve(d)));
    expect(printed.trim()).toBe('1');
    const killer = setTimeout(() => child.kill('SIGTERM'), 1500);
    const signal = await exited;
    clearTimeout(killer);
    expect(signal).toBe('SIGTERM');
  });
});
