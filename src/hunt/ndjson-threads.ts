/**
 * Large plain NDJSON files on several threads. The file is cut into byte ranges of about
 * {@link CHUNK_BYTES}, each ending just after a newline; worker threads (ndjson-worker.ts) and this
 * thread each take ranges in turn, read them, parse and test every line with the same compiled rules
 * (the collection of the hunt, compiled in each worker: engine indexes agree), and keep only the
 * matching lines (their text) and the lines that are not JSON. Results come back out of order and
 * are handed on in file order, with line numbers made absolute by counting the lines of the ranges
 * before; the hunt thread then does what must happen in order: filters, correlations, output. So a
 * threaded hunt gives byte for byte the output of one thread.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Cnf, Engine, Pipeline, SigmaCollection } from '../sigma/index.ts';
import { eventContext } from '../sigma/index.ts';
import { ndjsonLine } from './inputs/ndjson.ts';
import { InventoryCollector, type InventoryEntry } from './inventory.ts';

/** Bytes per range: ~1,400 events of the benchmark, tens of milliseconds of work. */
export const CHUNK_BYTES = 2 * 1024 * 1024;
/** Ranges given to a worker ahead, so that it never waits for this thread. */
const AHEAD = 2;

export interface NdjsonMatchInit {
  readonly collection: SigmaCollection;
  readonly pipeline: Pipeline;
  readonly routing?: boolean;
  /** The collection's witnesses (collectionWitnesses), so that workers do not compute them again. */
  readonly witnesses?: readonly Cnf[];
  /** Also count every line's event into a log inventory (hunt/inventory.ts), sent back per range. */
  readonly inventory?: boolean;
}

/** One range's outcome; `rel` is the 1-based line within the range. */
export interface NdjsonChunkResult {
  readonly id: number;
  /** Lines in the range (newlines, and a last line without one at the end of the file). */
  readonly lines: number;
  readonly events: number;
  /** Events whose log source was not recognised (EventContext.source < 0). */
  readonly unknown: number;
  readonly matches: { readonly rel: number; readonly text: string; readonly rules: number[] }[];
  readonly problems: { readonly rel: number; readonly message: string }[];
  /** The range's log inventory, when asked for. */
  readonly inventory?: InventoryEntry[];
}

/** The job of one range, as posted to a worker. */
export interface NdjsonJob {
  readonly id: number;
  readonly path: string;
  readonly start: number;
  readonly end: number;
  /** Lines longer than this many bytes are problems (LogFile.maxRecordBytes). */
  readonly cap: number;
}

/** Reads bytes start..end of a file. */
export function readRange(path: string, start: number, end: number): Buffer {
  const buf = Buffer.allocUnsafe(end - start);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Parses and tests every line of one range (bytes of whole lines; `firstOfFile`: it starts the file). */
export function matchNdjsonRange(id: number, buf: Buffer, firstOfFile: boolean, engine: Engine, indexOf: ReadonlyMap<unknown, number>, source: string, cap: number, inventory?: Pipeline): NdjsonChunkResult {
  const inv = inventory === undefined ? undefined : new InventoryCollector(inventory.sources);
  const matches: NdjsonChunkResult['matches'] = [];
  const problems: NdjsonChunkResult['problems'] = [];
  let rel = 0;
  let events = 0;
  let unknown = 0;
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    rel++;
    const got = ndjsonLine(buf, start, nl, firstOfFile && rel === 1, source, rel, cap);
    start = nl + 1;
    if (got === undefined) continue;
    const { item, text } = got;
    if (item.kind === 'problem') {
      problems.push({ rel, message: item.message });
      continue;
    }
    events++;
    const ctx = eventContext(item.event, item.json, item.jsonStart, item.jsonEnd);
    const matched = engine.matchContext(ctx);
    inv?.add(ctx);
    if (ctx.source < 0) unknown++;
    if (matched.length > 0) matches.push({ rel, text: text!, rules: matched.map((r) => indexOf.get(r)!) });
  }
  return { id, lines: rel, events, unknown, matches, problems, ...(inv === undefined ? {} : { inventory: inv.entries() }) };
}

/** The compiled worker next to this module, or undefined when running from the TypeScript sources. */
export function ndjsonWorkerScript(): string | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const p = fileURLToPath(new URL('./ndjson-worker.js', import.meta.url));
  return existsSync(p) ? p : undefined;
}

/** The end of the range starting at `start`: just after the first newline at or after start + CHUNK_BYTES, or the file's end. */
function rangeEnd(fd: number, start: number, size: number, chunk: number): number {
  let at = start + chunk;
  if (at >= size) return size;
  const window = Buffer.allocUnsafe(64 * 1024);
  while (at < size) {
    const n = readSync(fd, window, 0, Math.min(window.length, size - at), at);
    if (n === 0) return size;
    const nl = window.subarray(0, n).indexOf(10);
    if (nl >= 0) return at + nl + 1;
    at += n;
  }
  return size;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Set<number>;
  dead: boolean;
}

/**
 * Worker threads for NDJSON matching, started once per hunt and used for every large file. Each
 * compiles the rules (matchingCollection of the hunt's collection) when it starts.
 */
export class NdjsonWorkers {
  private readonly slots: Slot[] = [];
  private readonly results = new Map<number, NdjsonChunkResult>();
  private wake: (() => void) | undefined;
  /** Range ids are unique across files: a result never answers another file's range. */
  private seq = 0;

  constructor(script: string, init: NdjsonMatchInit, workers: number) {
    for (let i = 0; i < workers; i++) {
      // No inherited execArgv: flags given to the parent (--input-type, loaders...) can stop a worker from starting.
      const worker = new Worker(script, { workerData: init, execArgv: [] });
      const slot: Slot = { worker, pending: new Set(), dead: false };
      worker.on('message', (r: NdjsonChunkResult) => {
        slot.pending.delete(r.id);
        this.results.set(r.id, r);
        this.notify();
      });
      // A worker that fails: its ranges are done on this thread (see match).
      const fail = (): void => {
        slot.dead = true;
        this.notify();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      this.slots.push(slot);
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /**
   * The file's ranges' results in file order, with the lines before each. `local` tests a range on
   * this thread; it takes ranges whenever the results it waits for are not there yet.
   */
  async *match(path: string, size: number, cap: number, local: (job: NdjsonJob) => NdjsonChunkResult): AsyncGenerator<{ result: NdjsonChunkResult; linesBefore: number; end: number }> {
    const fd = openSync(path, 'r');
    const jobs: NdjsonJob[] = [];
    let next = 0; // first range not yet given out
    const base = this.seq;
    const mine = new Map<number, NdjsonChunkResult>();
    let linesBefore = 0;
    try {
      const jobAt = (i: number): NdjsonJob | undefined => {
        while (jobs.length <= i) {
          const start = jobs.length === 0 ? 0 : jobs[jobs.length - 1]!.end;
          if (start >= size) return undefined;
          jobs.push({ id: base + jobs.length, path, start, end: rangeEnd(fd, start, size, CHUNK_BYTES), cap });
          this.seq = base + jobs.length;
        }
        return jobs[i];
      };
      for (let w = 0; jobAt(w) !== undefined; w++) {
        const want = jobs[w]!.id;
        for (;;) {
          // Keep every live worker AHEAD ranges ahead.
          for (const s of this.slots) {
            while (!s.dead && s.pending.size < AHEAD) {
              const job = jobAt(next);
              if (job === undefined) break;
              next++;
              s.pending.add(job.id);
              s.worker.postMessage(job);
            }
          }
          const got = mine.get(want) ?? this.results.get(want);
          if (got !== undefined) {
            mine.delete(want);
            this.results.delete(want);
            yield { result: got, linesBefore, end: jobs[w]!.end };
            linesBefore += got.lines;
            break;
          }
          // The range waited for is a dead worker's: do it here.
          const orphan = this.slots.find((s) => s.dead && s.pending.has(want));
          if (orphan !== undefined) {
            orphan.pending.delete(want);
            mine.set(want, local(jobs[w]!));
            continue;
          }
          // Otherwise take the next range here (results are kept until their turn); when every range
          // is out, wait for a worker.
          const job = jobAt(next);
          if (job !== undefined) {
            next++;
            mine.set(job.id, local(job));
            // Let the workers' messages in before going on.
            await new Promise<void>((r) => setImmediate(r));
            continue;
          }
          await new Promise<void>((r) => {
            this.wake = r;
            // A result or a death may have come in before the promise was made.
            if (this.results.has(want) || this.slots.some((s) => s.dead && s.pending.has(want))) this.notify();
          });
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
