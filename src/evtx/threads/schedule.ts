/**
 * The scheduler behind {@link parseEvtx} and {@link mapEvtx}: chunks are read in batches of
 * consecutive chunks, parsed by this thread and by worker threads together, and one result per
 * chunk is yielded in file order. Memory is bounded by the batches in flight, whatever the file size.
 *
 * Scheduling (see docs/formats/evtx.md, "Threads"): `threads` counts this thread. Each of the
 * `threads − 1` workers is kept two batches deep, so it never waits for this thread; this thread
 * yields finished batches in order and, whenever the next one is not finished yet, parses the
 * lowest batch no worker has taken. Its share thus balances itself against the time it spends
 * taking in the workers' results and in the consumer's loop.
 *
 * What a chunk's result is depends on the caller (a {@link ChunkWork}): parseEvtx wants the records
 * themselves (workers send them in the compact wire form of batch.ts); mapEvtx runs a mapper over
 * each chunk in the thread that parsed it and wants only the mapper's answer.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BatchJob, BatchReply } from './batch.ts';
import { parseChunk } from '../chunk.ts';
import type { ChunkResult, EvtxFormat } from '../chunk.ts';
import { makeWarning } from '../warning.ts';
import type { EvtxWarning } from '../warning.ts';
import { checkFileHeader, chunkCount, CHUNK_SIZE, FILE_HEADER_SIZE } from '../file-header.ts';
import type { ParseOptions, ParseStats } from '../options.ts';
import type { RandomAccessReader } from '../reader.ts';

/** What a scheduled run makes of each chunk, in this thread and in the workers. */
export interface ChunkWork<T> {
  /** What workers run over each chunk they parse (sent to them once, at start): see worker.ts. */
  readonly workerSetup: WorkerSetup;
  /** Workers started beforehand with the same setup, kept for further files; default: started for this file and stopped after it. */
  readonly pool?: WorkerPool;
  /** This thread's result for a chunk it parsed itself. */
  here(r: ChunkResult, chunk: number): T;
  /** A worker's answer for a chunk, in this thread's terms (called only when it is yielded). */
  fromWorker(answer: unknown, chunk: number): T;
  /** A result holding only warnings: the file header's (chunk −1), or a chunk that was lost. */
  lost(warnings: EvtxWarning[], chunk: number): T;
}

/** `wire`: records in batch.ts's wire form; `map`: the answers of the mapper module's function. */
export type WorkerSetup = { readonly kind: 'wire' } | { readonly kind: 'map'; readonly module: string; readonly init: unknown };

/** Files with fewer chunks than this are parsed on the calling thread whatever `threads` says. */
export const MIN_CHUNKS_FOR_WORKERS = 4;
/**
 * Largest default batch: 4 chunks = 256 KiB, a few milliseconds of parsing. A hand-over costs tens
 * of microseconds, and smaller batches balance better at the end and hold fewer records at once.
 */
const MAX_BATCH_CHUNKS = 4;
/** Batches queued per worker: one being parsed, one waiting, so it never waits for this thread. */
const PER_WORKER = 2;
/**
 * Batches this thread may parse ahead while the next one is at a worker. Their results wait as
 * objects (the costliest form to hold), so few; with 1 the worker's two queued batches would keep
 * this thread to a third of the work.
 */
const AHEAD = 4;

/** The compiled worker next to this module, or null when running from TypeScript sources. */
function workerUrl(): URL | null {
  if (!import.meta.url.endsWith('.js')) return null;
  return new URL('./worker.js', import.meta.url);
}

/** True when worker threads can run (from the built dist/, not from the TypeScript sources). */
export function workersAvailable(): boolean {
  return workerUrl() !== null;
}

/** A worker's answer when its mapper failed: the batch's bytes come back untouched. */
interface BatchRefusal {
  readonly id: number;
  readonly error: string;
  readonly bytes: Uint8Array;
}

/** A batch a worker did not parse: its bytes when they came back, so the calling thread can. */
interface WorkerFailure {
  readonly error: Error;
  readonly bytes?: Uint8Array;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Batches sent and not answered yet. */
  queued: number;
  done: number;
  alive: boolean;
  /** Set up (its mapper loaded): until then it gets no batches, so none wait on a slow start. */
  ready: boolean;
}

/**
 * Worker threads, each given at most {@link PER_WORKER} batches at a time. A pool may serve one
 * file after another (job ids are the pool's own, so a late answer for a file given up on is
 * never taken for another's).
 */
export class WorkerPool {
  readonly workers: PoolWorker[] = [];
  private readonly waiting = new Map<number, { worker: PoolWorker; resolve: (r: BatchReply | WorkerFailure) => void }>();
  private closing = false;
  private nextId = 0;
  readonly setup: WorkerSetup;
  /** Called when a worker becomes ready (the file being parsed then hands it work). */
  onReady: (() => void) | undefined;
  /** Callers of {@link whenReady} still waiting. */
  private readyWaiters: (() => void)[] = [];

  /** `size` workers (none when running from the TypeScript sources: see {@link workersAvailable}). */
  constructor(size: number, setup: WorkerSetup) {
    this.setup = setup;
    const url = workerUrl();
    if (url === null) return;
    for (let i = 0; i < size; i++) {
      // A batch needs a few MB of heap; a small young generation keeps each isolate's RSS low. A
      // mapper may hold more (compiled rules), so its old generation is left to the default.
      const resourceLimits = setup.kind === 'wire' ? { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 128 } : { maxYoungGenerationSizeMb: 16 };
      const w = new Worker(url, { resourceLimits, workerData: setup });
      const pw: PoolWorker = { worker: w, queued: 0, done: 0, alive: true, ready: false };
      w.on('message', (m: BatchReply | BatchRefusal | 'ready') => {
        if (m === 'ready') {
          pw.ready = true;
          this.onReady?.();
          this.settleReady();
          return;
        }
        // The worker's mapper failed (to load, or on this batch): it gets no more work and stops
        // once it has answered what it holds, and the bytes it sends back are parsed by the
        // calling thread instead (which meets the same error itself if the mapper fails on them).
        if ('error' in m) pw.alive = false;
        const p = this.waiting.get(m.id);
        if (p === undefined) return;
        this.waiting.delete(m.id);
        pw.queued--;
        if (!pw.alive && pw.queued === 0) void w.terminate();
        if ('error' in m) {
          p.resolve({ error: new Error(m.error), bytes: m.bytes });
          return;
        }
        pw.done++;
        p.resolve(m);
      });
      w.on('error', (err: Error) => this.fail(pw, err));
      w.on('exit', (code) => this.fail(pw, new Error(`worker exited with code ${code}`)));
      this.workers.push(pw);
    }
  }

  /** A dead worker's batches come back as failures without their bytes (the caller turns them into warnings). */
  private fail(pw: PoolWorker, error: Error): void {
    pw.alive = false;
    this.settleReady();
    if (this.closing) return;
    for (const [id, p] of this.waiting) {
      if (p.worker !== pw) continue;
      this.waiting.delete(id);
      p.resolve({ error });
    }
  }

  /** Settles once every worker is ready or dead. */
  whenReady(): Promise<void> {
    if (this.allSettled()) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  private allSettled(): boolean {
    return this.workers.every((w) => w.ready || !w.alive);
  }

  private settleReady(): void {
    if (this.readyWaiters.length === 0 || !this.allSettled()) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The least busy live worker with room, or null. */
  free(): PoolWorker | null {
    let best: PoolWorker | null = null;
    for (const w of this.workers) if (w.alive && w.ready && w.queued < PER_WORKER && (best === null || w.queued < best.queued)) best = w;
    return best;
  }

  /** Live workers. */
  get alive(): number {
    return this.workers.filter((w) => w.alive).length;
  }

  run(pw: PoolWorker, batch: Omit<BatchJob, 'id'>, resolve: (r: BatchReply | WorkerFailure) => void): void {
    const job: BatchJob = { ...batch, id: this.nextId++ };
    this.waiting.set(job.id, { worker: pw, resolve });
    pw.queued++;
    try {
      pw.worker.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    } catch (err) {
      this.waiting.delete(job.id);
      pw.queued--;
      resolve({ error: err instanceof Error ? err : new Error(String(err)) });
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    for (const w of this.workers) w.alive = false;
    this.settleReady();
  }
}

/** One batch on its way: being read, read (not taken yet), at a worker, or parsed. */
type Slot<T> =
  | { readonly state: 'reading' }
  /** `own`: the bytes are a whole buffer of ours (recycled, or transferred to a worker as they are). */
  | { readonly state: 'ready'; readonly bytes: Uint8Array; readonly own: boolean }
  | { readonly state: 'worker' }
  /** Chunk results, or (from a worker) their answers, taken in only when yielded. */
  | { readonly state: 'done'; readonly mine?: true; readonly results: readonly (T | (() => T))[] };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs `work` over every chunk of the input, yielding one result per chunk in file order (after
 * one for the file header's warnings, if any). Never throws on damaged input; a failing
 * `reader.read` or a dead worker becomes a `read-error` warning for the chunks concerned. Stopping
 * the iteration early (`break`, `return()`, `options.signal`) terminates the workers.
 */
export async function* scheduleChunks<T>(reader: RandomAccessReader, options: ParseOptions, work: ChunkWork<T>): AsyncGenerator<T> {
  const source = options.source ?? '<bytes>';
  const format: EvtxFormat = options.format ?? 'json';
  const strictChecksums = options.strictChecksums ?? false;
  const signal = options.signal;
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const n = chunkCount(reader.size);
  const given = work.pool;
  // Starting a worker costs tens of milliseconds, so a file of a few chunks is parsed right here
  // (unless workers are already running).
  const useWorkers = given !== undefined ? given.alive > 0 && n >= 2 : threads > 1 && workersAvailable() && n >= MIN_CHUNKS_FOR_WORKERS;
  const sharing = given !== undefined ? given.alive + 1 : threads;
  const batchChunks = Math.max(1, Math.floor(options.batchChunks ?? (useWorkers ? Math.min(MAX_BATCH_CHUNKS, Math.max(1, Math.floor(n / (sharing * 4)))) : MAX_BATCH_CHUNKS)));
  const batches = Math.ceil(n / batchChunks);
  const pool = !useWorkers || batches < 2 ? null : (given ?? new WorkerPool(Math.min(threads - 1, batches - 1), work.workerSetup));
  const workers = pool?.workers.length ?? 0;
  // Batches read and not yet yielded: each worker's queue, plus room for this thread to work ahead.
  const window = pool === null ? 2 : 4 * (workers + 1);
  let callerBatches = 0;
  // A shared pool's workers count batches over all files; the stats are this file's.
  const doneBefore = new Map(pool?.workers.map((w) => [w, w.done]) ?? []);
  /** Batches this thread parsed ahead that wait to be yielded. */
  let ahead = 0;
  // Batch buffers are recycled (from this thread's parsing, and sent back by the workers), so that
  // the steady state allocates none: fresh 1 MiB ArrayBuffers would outlive young-generation
  // collections and pile up until a full GC.
  const batchBytes = batchChunks * CHUNK_SIZE;
  const spare: Uint8Array[] = [];
  const take = (): Uint8Array => spare.pop() ?? new Uint8Array(batchBytes);
  const recycle = (b: Uint8Array): void => {
    if (spare.length < window && b.buffer.byteLength === batchBytes && b.buffer instanceof ArrayBuffer) spare.push(new Uint8Array(b.buffer));
  };

  const slots = new Map<number, Slot<T>>();
  let next = 0; // next batch to yield
  let issued = 0; // next batch to read
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const first = (k: number): number => k * batchChunks;
  const count = (k: number): number => Math.min(batchChunks, n - first(k));
  const offsetOf = (k: number): number => FILE_HEADER_SIZE + first(k) * CHUNK_SIZE;
  const failed = (k: number, what: string): T[] =>
    Array.from({ length: count(k) }, (_, i) => work.lost(i === 0 ? [makeWarning('read-error', source, first(k), offsetOf(k), what)] : [], first(k) + i));
  const parseHere = (bytes: Uint8Array, k: number, i: number): T => {
    const chunk = first(k) + i;
    const o = { chunkIndex: chunk, fileOffset: offsetOf(k) + i * CHUNK_SIZE, source, format, strictChecksums };
    return work.here(parseChunk(bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), o), chunk);
  };

  /** Under a plan (options.assign): the live worker batch `k` is planned for, or null for this thread. */
  const plan = pool === null ? undefined : options.assign;
  const plannedWorker = (k: number): PoolWorker | null => {
    if (plan === undefined || pool === null || pool.workers.length === 0) return null;
    const owner = plan(k);
    if (owner === 'caller') return null;
    const pw = pool.workers[((Math.floor(owner) % pool.workers.length) + pool.workers.length) % pool.workers.length]!;
    return pw.alive ? pw : null;
  };
  /** May this thread parse batch `k` itself: always without a plan, else when the plan says so. */
  const mayParseHere = (k: number): boolean => plan === undefined || plannedWorker(k) === null;

  /** Hands read batch `k` to worker `pw`. */
  const send = (k: number, s: Extract<Slot<T>, { state: 'ready' }>, pw: PoolWorker): void => {
    if (pool === null) return;
    // Transfer, never copy twice; a view into a larger buffer (a Buffer over a whole file, or
    // a pooled one) is copied first, since transferring would detach the owner's buffer.
    let bytes = s.bytes;
    if (!s.own) {
      bytes = take().subarray(0, s.bytes.length);
      bytes.set(s.bytes);
    }
    slots.set(k, { state: 'worker' });
    pool.run(pw, { bytes, firstChunk: first(k), fileOffset: offsetOf(k), count: count(k), source, format, strictChecksums }, (reply) => {
      if ('chunks' in reply) {
        recycle(reply.bytes);
        slots.set(k, { state: 'done', results: reply.chunks.map((c, i) => () => work.fromWorker(c, first(k) + i)) });
      } else if (reply.bytes !== undefined) {
        slots.set(k, { state: 'ready', bytes: reply.bytes, own: true });
      } else {
        slots.set(k, { state: 'done', results: failed(k, `worker failed: ${reply.error.message}`) });
      }
      dispatch();
      notify();
    });
  };

  /**
   * Gives read batches to workers with room, highest first: the lowest ones are left to this
   * thread, which parses them just before yielding them (their records then die young), while the
   * workers' compact answers wait until their turn. Under a plan, each batch waits for its worker.
   */
  const dispatch = (): void => {
    if (pool === null) return;
    if (plan !== undefined) {
      for (let k = next; k < issued; k++) {
        const s = slots.get(k);
        const pw = plannedWorker(k);
        if (s?.state === 'ready' && pw !== null && pw.queued < PER_WORKER) send(k, s, pw);
      }
      return;
    }
    for (let k = issued - 1; k >= next; k--) {
      const s = slots.get(k);
      if (s?.state !== 'ready') continue;
      const pw = pool.free();
      if (pw === null) return;
      send(k, s, pw);
    }
  };

  /** Starts reading batches up to the window. */
  const fill = (): void => {
    while (issued < batches && issued < next + window) {
      const k = issued++;
      slots.set(k, { state: 'reading' });
      let read: Promise<{ bytes: Uint8Array; own: boolean }>;
      if (reader.readInto !== undefined) {
        const buf = take();
        read = reader.readInto(buf.subarray(0, count(k) * CHUNK_SIZE), offsetOf(k)).then((got) => ({ bytes: buf.subarray(0, got), own: true }));
      } else {
        read = reader.read(offsetOf(k), count(k) * CHUNK_SIZE).then((bytes) => ({ bytes, own: false }));
      }
      read.then(
        ({ bytes, own }) => {
          if (slots.get(k)?.state !== 'reading') return;
          slots.set(k, { state: 'ready', bytes, own });
          dispatch();
          notify();
        },
        (err: unknown) => {
          if (slots.get(k)?.state !== 'reading') return;
          slots.set(k, { state: 'done', results: failed(k, `read failed: ${errorMessage(err)}`) });
          notify();
        },
      );
    }
  };

  /** Resolves at the next read or worker answer, or when the signal aborts. */
  const changed = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
      signal?.addEventListener('abort', notify, { once: true });
    }).finally(() => signal?.removeEventListener('abort', notify));
  /** One turn of the event loop, so that reads and workers' answers are taken in. */
  const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

  // A worker that finishes setting up mid-file gets work at once.
  if (pool !== null) {
    pool.onReady = () => {
      dispatch();
      notify();
    };
  }

  try {
    signal?.throwIfAborted();
    // A plan names workers, so they must be there to take their batches.
    if (plan !== undefined && pool !== null) await pool.whenReady();
    const head = await reader.read(0, FILE_HEADER_SIZE);
    const headerWarnings = checkFileHeader(head, reader.size, source).warnings;
    if (headerWarnings.length > 0) yield work.lost(headerWarnings, -1);
    while (next < batches) {
      signal?.throwIfAborted();
      fill();
      const s = slots.get(next)!;
      if (s.state === 'done') {
        if (s.mine) ahead--;
        slots.delete(next);
        next++;
        fill();
        for (const r of s.results) yield typeof r === 'function' ? (r as () => T)() : r;
        await turn();
        continue;
      }
      if (s.state === 'ready' && mayParseHere(next)) {
        // Ours and next: parsed chunk by chunk as it is yielded, so that few records live at once.
        slots.delete(next);
        const k = next++;
        callerBatches++;
        fill();
        dispatch();
        for (let i = 0; i < count(k); i++) yield parseHere(s.bytes, k, i);
        if (s.own) recycle(s.bytes);
        await turn();
        continue;
      }
      // The next batch is at a worker and not finished: parse ahead the lowest one no worker has
      // taken. (While it is still being read, wait: parsing ahead keeps results alive longer.)
      // At most AHEAD such batches wait at a time: their results are objects, the costliest to hold.
      // (Under a plan, a batch also waits here for its worker to have room.)
      const atWorker = s.state === 'worker' || (s.state === 'ready' && plan !== undefined);
      let k = next + 1;
      while (atWorker && ahead < AHEAD && k < issued && !(slots.get(k)!.state === 'ready' && mayParseHere(k))) k++;
      const mine = atWorker && ahead < AHEAD && k < issued ? slots.get(k) : undefined;
      if (mine?.state === 'ready') {
        slots.set(k, { state: 'done', mine: true, results: Array.from({ length: count(k) }, (_, i) => parseHere(mine.bytes, k, i)) });
        if (mine.own) recycle(mine.bytes);
        ahead++;
        callerBatches++;
        await turn();
        continue;
      }
      await changed();
    }
  } finally {
    const stats: ParseStats = { batchChunks, batches, workers, callerBatches, workerBatches: pool?.workers.map((w) => w.done - (doneBefore.get(w) ?? 0)) ?? [] };
    options.onStats?.(stats);
    slots.clear();
    if (pool !== null) pool.onReady = undefined;
    if (pool !== given) await pool?.close();
  }
}
