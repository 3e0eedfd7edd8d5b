/**
 * Scheduling across threads, on the built code (workers run from dist/; `npm run build` first):
 * records and warnings come out in file order and equal to one thread whatever the number of
 * threads and the batch size, a damaged chunk in the middle is reported in its place, and stopping
 * the iteration early (break, or an AbortSignal) terminates the workers so the process can exit.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/paths.ts';
import type * as Evtx from '../../src/evtx/index.ts';
import { parseEvtxSync } from '../../src/evtx/index.ts';
import { bigFile, CHUNK, chunkOffset, damagedBigFile, runLibScript, type ScriptRun } from './fixtures.ts';

const distIndex = path.join(projectRoot, 'dist', 'evtx', 'index.js');
let dir = '';
let lib: typeof Evtx;

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'evtx', 'threads', 'worker.js'))) throw new Error('dist/evtx is missing: run `npm run build` first');
  lib = (await import(pathToFileURL(distIndex).href)) as typeof Evtx;
  dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-evtx-threads-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Run {
  results: Evtx.EvtxResult[];
  stats: Evtx.ParseStats;
}

async function run(input: Uint8Array | Evtx.RandomAccessReader, options: Evtx.ParseOptions): Promise<Run> {
  const results: Evtx.EvtxResult[] = [];
  let stats: Evtx.ParseStats | undefined;
  for await (const r of lib.parseEvtx(input, { source: 'big.evtx', ...options, onStats: (s) => (stats = s) })) results.push(r);
  return { results, stats: stats! };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const offsets = (rs: Evtx.EvtxResult[]): number[] => rs.map((r) => (r.ok ? r.record.offset : r.warning.offset));

describe('EVTX parsing across threads', () => {
  const file = bigFile(48);
  const expected = [...parseEvtxSync(file, { source: 'big.evtx' })];

  it('the one-thread reference is long and in file order', () => {
    expect(expected.length).toBeGreaterThan(48 * 2);
    expect(expected.every((r) => r.ok)).toBe(true);
    const o = offsets(expected);
    expect(o).toEqual([...o].sort((a, b) => a - b));
  });

  // Workers a file starts for itself take batches only once they are set up, which may be after
  // a small file is done: these runs check the results. That the workers do share the work is
  // checked below with workers started (and ready) beforehand.
  for (const threads of [1, 2, 4]) {
    for (const batchChunks of [1, 3, undefined]) {
      it(`${threads} thread(s), batches of ${batchChunks ?? 'default'} chunks: same records in file order`, async () => {
        const { results, stats } = await run(file, { threads, ...(batchChunks !== undefined ? { batchChunks } : {}) });
        expect(results).toEqual(expected);
        expect(stats.workers).toBe(threads - 1);
        expect(stats.callerBatches + sum(stats.workerBatches)).toBe(stats.batches);
        expect(stats.batches).toBe(Math.ceil(48 / stats.batchChunks));
      });
    }
  }

  describe('with workers started beforehand', () => {
    let pool: Evtx.EvtxWorkers;
    beforeAll(async () => {
      pool = lib.startEvtxWorkers({ threads: 3 });
      await pool.ready();
    });
    afterAll(async () => {
      await pool.close();
    });

    it('are parse workers, two of them', () => {
      expect(pool.kind).toBe('parse');
      expect(pool.size).toBe(2);
    });

    for (const batchChunks of [1, 3, undefined]) {
      it(`share the work, batches of ${batchChunks ?? 'default'} chunks: same records in file order`, async () => {
        const { results, stats } = await run(file, { workers: pool, ...(batchChunks !== undefined ? { batchChunks } : {}) });
        expect(results).toEqual(expected);
        expect(stats.workers).toBe(2);
        expect(stats.callerBatches + sum(stats.workerBatches)).toBe(stats.batches);
        expect(sum(stats.workerBatches)).toBeGreaterThan(0);
      });
    }

    it.each(['json-text', 'xml'] as const)('give the same %s text as one thread', async (format) => {
      const one = await run(file, { threads: 1, format });
      const shared = await run(file, { workers: pool, format, batchChunks: 2 });
      expect(shared.results).toEqual(one.results);
      expect(sum(shared.stats.workerBatches)).toBeGreaterThan(0);
    });

    it('report a damaged chunk and a damaged record in the middle in their places', async () => {
      const bad = damagedBigFile();
      const want = [...parseEvtxSync(bad, { source: 'big.evtx' })];
      expect(want.filter((r) => !r.ok).map((r) => !r.ok && [r.warning.code, r.warning.chunk])).toEqual([
        ['bad-chunk-magic', 17],
        ['chunk-data-crc', 30],
        ['bad-record', 30],
      ]);
      const p = path.join(dir, 'damaged.evtx');
      writeFileSync(p, bad);
      const fh = await open(p, 'r');
      try {
        const { results, stats } = await run(await lib.fileHandleReader(fh), { workers: pool, batchChunks: 2 });
        expect(results).toEqual(want);
        expect(sum(stats.workerBatches)).toBeGreaterThan(0);
      } finally {
        await fh.close();
      }
    });

    it('serve file after file, each file\'s stats its own', async () => {
      for (const f of [bigFile(12), damagedBigFile(), bigFile(48)]) {
        const { results, stats } = await run(f, { workers: pool, batchChunks: 1 });
        expect(results).toEqual([...parseEvtxSync(f, { source: 'big.evtx' })]);
        expect(stats.batches).toBe(f.length > 12 * CHUNK + 4096 ? 48 : 12);
        expect(stats.callerBatches + sum(stats.workerBatches)).toBe(stats.batches);
      }
      expect(pool.size).toBe(2);
    });

    it('are refused by mapEvtx, and mapper workers by parseEvtx or by mapEvtx with another mapper, with a message saying why', async () => {
      await expect(lib.mapEvtx(file, { mapper: 'file:///nowhere.mjs', workers: pool, local: () => 0 }).next()).rejects.toThrow(/started without a mapper/);
      const mappers = lib.startEvtxWorkers({ threads: 2, mapper: 'file:///nowhere.mjs' });
      try {
        expect(mappers.kind).toBe('map');
        await expect(lib.parseEvtx(file, { workers: mappers }).next()).rejects.toThrow(/parseEvtx needs workers started without one/);
        // Workers of another mapper would answer for that one.
        await expect(lib.mapEvtx(file, { mapper: 'file:///elsewhere.mjs', workers: mappers, local: () => 0 }).next()).rejects.toThrow(/these workers run file:\/\/\/nowhere\.mjs, not file:\/\/\/elsewhere\.mjs/);
      } finally {
        await mappers.close();
      }
    });
  });

  it('turns a failing read into a warning for those chunks and goes on', async () => {
    const good = lib.bytesReader(file);
    const reader: Evtx.RandomAccessReader = {
      size: good.size,
      read: (position, length) => (position === chunkOffset(8) ? Promise.reject(new Error('disk on fire')) : good.read(position, length)),
    };
    const { results } = await run(reader, { threads: 2, batchChunks: 4 });
    const warnings = results.flatMap((r) => (r.ok ? [] : [r.warning]));
    expect(warnings.map((w) => [w.code, w.chunk])).toEqual([['read-error', 8]]);
    expect(warnings[0]!.message).toContain('disk on fire');
    const lost = new Set([8, 9, 10, 11]);
    expect(results.flatMap((r) => (r.ok ? [r.record.offset] : []))).toEqual(expected.flatMap((r) => (r.ok && !lost.has(r.record.chunk) ? [r.record.offset] : [])));
  });
});

describe('stopping early', () => {
  const script = (body: string): ScriptRun => runLibScript(dir, 'big-stop.evtx', body);

  it('break after a few records terminates the workers; the process exits on its own', () => {
    const r = script(`let n = 0; let stats;
for await (const x of lib.parseEvtx(bytes, { threads: 4, batchChunks: 1, onStats: (s) => (stats = s) })) { if (++n === 5) break; }
console.log(JSON.stringify({ n, workers: stats.workers }));`);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 5, workers: 3 });
  });

  it('an aborted signal ends the iteration with its reason and terminates the workers', () => {
    const r = script(`const ac = new AbortController(); let n = 0;
try {
  for await (const x of lib.parseEvtx(bytes, { threads: 3, batchChunks: 1, signal: ac.signal })) { if (++n === 2) ac.abort(new Error('enough')); }
  console.log('not aborted');
} catch (e) { console.log(JSON.stringify({ n, message: e.message })); }`);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    // The first chunk holds three records: the abort takes effect inside it, not at its end.
    expect(JSON.parse(r.stdout)).toEqual({ n: 2, message: 'enough' });
  });
});
