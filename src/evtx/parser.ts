/**
 * Whole-file parsing: the file header is checked, then the chunks are read in batches of
 * consecutive chunks, parsed by this thread and by worker threads together, and their records
 * yielded in file order. Memory is bounded by the batches in flight, whatever the file size.
 *
 * Scheduling (see docs/formats/evtx.md, "Threads"): `threads` counts this thread. Each of the
 * `threads − 1` workers is kept two batches deep, so it never waits for this thread; this thread
 * yields finished batches in order and, whenever the next one is not finished yet, parses the
 * lowest batch no worker has taken. Its share thus balances itself against the time it spends
 * taking in the workers' results and in the consumer's loop.
 *
 * Results are values, not exceptions: `{ ok: true, record }` or `{ ok: false, warning }`.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeChunk, parseBatch } from './batch.ts';
import type { BatchJob, BatchReply } from './batch.ts';
import { EvtxFormatError } from './bytes.ts';
import { parseChunk, makeWarning } from './chunk.ts';
import type { ChunkResult, EvtxFormat, EvtxRecord, EvtxWarning } from './chunk.ts';
import { CHUNK_SIZE, FILE_HEADER_SIZE, parseFileHeader } from './file-header.ts';
import type { FileHeader } from './file-header.ts';

export type EvtxResult = { readonly ok: true; readonly record: EvtxRecord } | { readonly ok: false; readonly warning: EvtxWarning };

/** Random access to the bytes of one file (a file handle, a buffer, a remote blob…). */
export interface RandomAccessReader {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer only at the end of the input). */
  read(position: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` from `position` (less only at the end of the input) and says how many
   * bytes it read. With it the parser reuses its buffers instead of allocating one per batch.
   */
  readInto?(target: Uint8Array, position: number): Promise<number>;
}

export interface ParseOptions {
  readonly format?: EvtxFormat;
  /**
   * Threads parsing chunks, this one included (so `threads − 1` workers); default: the number of
   * cores. 1 parses on this thread, as do files of fewer than 4 chunks and the TypeScript sources
   * (workers run from the built dist/).
   */
  readonly threads?: number;
  /** Chunks per batch handed to a thread; default: up to 4, fewer in small files so every thread gets some. */
  readonly batchChunks?: number;
  /** Ends the iteration (it throws the signal's reason) and stops the workers. */
  readonly signal?: AbortSignal;
  /** Called once when the iteration ends (also early), with who parsed how much. */
  readonly onStats?: (stats: ParseStats) => void;
  /** Label used in warnings (a file name). */
  readonly source?: string;
  /** Skip chunks whose CRC32 does not match instead of reading on. */
  readonly strictChecksums?: boolean;
}

/** How a {@link parseEvtx} run shared its work. */
export interface ParseStats {
  readonly batchChunks: number;
  readonly batches: number;
  /** Worker threads started (0: everything on the calling thread). */
  readonly workers: number;
  /** Batches parsed by the calling thread. */
  readonly callerBatches: number;
  /** Batches parsed by each worker. */
  readonly workerBatches: readonly number[];
}

/** Minimal shape of `node:fs/promises` FileHandle that {@link fileHandleReader} needs. */
export interface FileHandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
}

export function bytesReader(bytes: Uint8Array): RandomAccessReader {
  return {
    size: bytes.length,
    read: (position, length) => Promise.resolve(bytes.subarray(position, Math.min(bytes.length, position + length))),
  };
}

/** A reader over an open file handle (the caller opens and closes it). */
export async function fileHandleReader(fh: FileHandleLike): Promise<RandomAccessReader> {
  const { size } = await fh.stat();
  const readInto = async (buf: Uint8Array, position: number): Promise<number> => {
    const want = Math.max(0, Math.min(buf.length, size - position));
    let done = 0;
    while (done < want) {
      const { bytesRead } = await fh.read(buf, done, want - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  };
  return {
    size,
    readInto,
    async read(position, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      const done = await readInto(buf, position);
      return done === buf.length ? buf : buf.subarray(0, done);
    },
  };
}

/** Warnings about the file header; never throws. Chunks are then located by file size. */
export function checkFileHeader(bytes: Uint8Array, fileSize: number, source: string): { header: FileHeader | null; warnings: EvtxWarning[] } {
  const warnings: EvtxWarning[] = [];
  let header: FileHeader | null = null;
  try {
    header = parseFileHeader(bytes);
    if (!header.checksumOk) warnings.push(makeWarning('file-header-crc', source, -1, 124, 'file header CRC32 mismatch: header ignored, chunks read by file size'));
    if (header.dirty) warnings.push(makeWarning('dirty-file', source, -1, 120, 'file is dirty (not closed cleanly): header counts may be stale, every chunk present is read'));
  } catch (err) {
    const msg = err instanceof EvtxFormatError ? err.message : String(err);
    warnings.push(makeWarning('bad-file-header', source, -1, 0, `${msg}: reading chunks anyway`));
  }
  if (fileSize < FILE_HEADER_SIZE) {
    warnings.push(makeWarning('truncated-file', source, -1, fileSize, `file truncated to ${fileSize} bytes, inside the file header`));
  } else if (header !== null && header.checksumOk && header.chunkCount > chunkCount(fileSize)) {
    warnings.push(makeWarning('truncated-file', source, -1, fileSize, `file truncated: the header lists ${header.chunkCount} chunks, the file holds ${chunkCount(fileSize)}`));
  }
  return { header, warnings };
}

function chunkCount(size: number): number {
  return size <= FILE_HEADER_SIZE ? 0 : Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE);
}

function* toResults(r: ChunkResult): Generator<EvtxResult> {
  // Warnings first: they describe damage before or inside the records that follow.
  for (const warning of r.warnings) yield { ok: false, warning };
  for (const record of r.records) yield { ok: true, record };
}

/** Parses an EVTX file held in memory, synchronously, on this thread. */
export function* parseEvtxSync(bytes: Uint8Array, options: Omit<ParseOptions, 'threads'> = {}): Generator<EvtxResult> {
  const source = options.source ?? '<bytes>';
  for (const warning of checkFileHeader(bytes.subarray(0, FILE_HEADER_SIZE), bytes.length, source).warnings) yield { ok: false, warning };
  const n = chunkCount(bytes.length);
  for (let i = 0; i < n; i++) {
    const off = FILE_HEADER_SIZE + i * CHUNK_SIZE;
    yield* toResults(parseChunk(bytes.subarray(off, off + CHUNK_SIZE), { ...options, source, chunkIndex: i, fileOffset: off }));
  }
}

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
 * Batches this thread may parse ahead while the next one is at a worker. Their records wait as
 * objects (the costliest form to hold), so few; with 1 the worker's two queued batches would keep
 * this thread to a third of the work.
 */
const AHEAD = 4;

/** The compiled worker next to this module, or null when running from TypeScript sources. */
function workerUrl(): URL | null {
  if (!import.meta.url.endsWith('.js')) return null;
  return new URL('./worker.js', import.meta.url);
}

interface PoolWorker {
  readonly worker: Worker;
  /** Batches sent and not answered yet. */
  queued: number;
  done: number;
  alive: boolean;
}

/** Worker threads, each given at most {@link PER_WORKER} batches at a time. */
class Pool {
  readonly workers: PoolWorker[] = [];
  private readonly waiting = new Map<number, { job: BatchJob; worker: PoolWorker; resolve: (r: BatchReply | Error) => void }>();
  private closing = false;

  constructor(url: URL, size: number) {
    for (let i = 0; i < size; i++) {
      // A batch needs a few MB of heap; a small young generation keeps each isolate's RSS low.
      const w = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 128 } });
      const pw: PoolWorker = { worker: w, queued: 0, done: 0, alive: true };
      w.on('message', (m: BatchReply) => {
        const p = this.waiting.get(m.id);
        if (p === undefined) return;
        this.waiting.delete(m.id);
        pw.queued--;
        pw.done++;
        p.resolve(m);
      });
      w.on('error', (err: Error) => this.fail(pw, err));
      w.on('exit', (code) => this.fail(pw, new Error(`worker exited with code ${code}`)));
      this.workers.push(pw);
    }
  }

  /** A dead worker's batches come back as errors (the caller turns them into warnings). */
  private fail(pw: PoolWorker, err: Error): void {
    pw.alive = false;
    if (this.closing) return;
    for (const [id, p] of this.waiting) {
      if (p.worker !== pw) continue;
      this.waiting.delete(id);
      p.resolve(err);
    }
  }

  /** The least busy live worker with room, or null. */
  free(): PoolWorker | null {
    let best: PoolWorker | null = null;
    for (const w of this.workers) if (w.alive && w.queued < PER_WORKER && (best === null || w.queued < best.queued)) best = w;
    return best;
  }

  run(pw: PoolWorker, job: BatchJob, resolve: (r: BatchReply | Error) => void): void {
    this.waiting.set(job.id, { job, worker: pw, resolve });
    pw.queued++;
    try {
      pw.worker.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    } catch (err) {
      this.waiting.delete(job.id);
      pw.queued--;
      resolve(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** One batch on its way: being read, read (not taken yet), at a worker, or parsed. */
type Slot =
  | { readonly state: 'reading' }
  /** `own`: the bytes are a whole buffer of ours (recycled, or transferred to a worker as they are). */
  | { readonly state: 'ready'; readonly bytes: Uint8Array; readonly own: boolean }
  | { readonly state: 'worker' }
  /** Chunk results, or (from a worker) their wire form, decoded only when yielded. */
  | { readonly state: 'done'; readonly mine?: true; readonly results: readonly (ChunkResult | (() => ChunkResult))[] };

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Parses an EVTX file from bytes or a random-access reader, batch by batch, yielding records in
 * file order and a warning for every damaged place. Never throws on damaged input; a failing
 * `reader.read` becomes a `read-error` warning for the chunks it should have read. Stopping the
 * iteration early (`break`, `return()`, `options.signal`) terminates the workers.
 */
export async function* parseEvtx(input: Uint8Array | RandomAccessReader, options: ParseOptions = {}): AsyncGenerator<EvtxResult> {
  const reader = input instanceof Uint8Array ? bytesReader(input) : input;
  const source = options.source ?? '<bytes>';
  const format = options.format ?? 'json';
  const strictChecksums = options.strictChecksums ?? false;
  const signal = options.signal;
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const n = chunkCount(reader.size);
  const url = workerUrl();
  // Starting a worker costs tens of milliseconds, so a file of a few chunks is parsed right here.
  const useWorkers = threads > 1 && url !== null && n >= MIN_CHUNKS_FOR_WORKERS;
  const batchChunks = Math.max(1, Math.floor(options.batchChunks ?? (useWorkers ? Math.min(MAX_BATCH_CHUNKS, Math.max(1, Math.floor(n / (threads * 4)))) : MAX_BATCH_CHUNKS)));
  const batches = Math.ceil(n / batchChunks);
  const pool = useWorkers && batches > 1 ? new Pool(url, Math.min(threads - 1, batches - 1)) : null;
  const workers = pool?.workers.length ?? 0;
  // Batches read and not yet yielded: each worker's queue, plus room for this thread to work ahead.
  const window = pool === null ? 2 : 4 * (workers + 1);
  let callerBatches = 0;
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

  const slots = new Map<number, Slot>();
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
  const failed = (k: number, what: string): ChunkResult[] =>
    Array.from({ length: count(k) }, (_, i) => ({ records: [], warnings: i === 0 ? [makeWarning('read-error', source, first(k), offsetOf(k), what)] : [] }));

  /**
   * Gives read batches to workers with room, highest first: the lowest ones are left to this
   * thread, which parses them just before yielding them (their records then die young), while the
   * workers' text results wait compactly until their turn.
   */
  const dispatch = (): void => {
    if (pool === null) return;
    for (let k = issued - 1; k >= next; k--) {
      const s = slots.get(k);
      if (s?.state !== 'ready') continue;
      const pw = pool.free();
      if (pw === null) return;
      // Transfer, never copy twice; a view into a larger buffer (a Buffer over a whole file, or
      // a pooled one) is copied first, since transferring would detach the owner's buffer.
      let bytes = s.bytes;
      if (!s.own) {
        bytes = take().subarray(0, s.bytes.length);
        bytes.set(s.bytes);
      }
      const job: BatchJob = { id: k, bytes, firstChunk: first(k), fileOffset: offsetOf(k), count: count(k), source, format, strictChecksums };
      slots.set(k, { state: 'worker' });
      pool.run(pw, job, (reply) => {
        if (!(reply instanceof Error)) recycle(reply.bytes);
        slots.set(k, {
          state: 'done',
          results: reply instanceof Error ? failed(k, `worker failed: ${reply.message}`) : reply.chunks.map((c, i) => () => decodeChunk(c, first(k) + i, format)),
        });
        dispatch();
        notify();
      });
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
  /** A chunk's results; an abort takes effect before the next one. */
  const emit = signal === undefined ? toResults : function* (r: ChunkResult): Generator<EvtxResult> {
    for (const x of toResults(r)) {
      signal.throwIfAborted();
      yield x;
    }
  };
  /** One turn of the event loop, so that reads and workers' answers are taken in. */
  const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

  try {
    signal?.throwIfAborted();
    const head = await reader.read(0, FILE_HEADER_SIZE);
    for (const warning of checkFileHeader(head, reader.size, source).warnings) yield { ok: false, warning };
    while (next < batches) {
      signal?.throwIfAborted();
      fill();
      const s = slots.get(next)!;
      if (s.state === 'done') {
        if (s.mine) ahead--;
        slots.delete(next);
        next++;
        fill();
        for (const r of s.results) yield* emit(typeof r === 'function' ? r() : r);
        await turn();
        continue;
      }
      if (s.state === 'ready') {
        // Ours and next: parsed chunk by chunk as it is yielded, so that few records live at once.
        slots.delete(next);
        const k = next++;
        callerBatches++;
        fill();
        dispatch();
        for (let i = 0; i < count(k); i++) {
          const o = { firstChunk: first(k) + i, fileOffset: offsetOf(k) + i * CHUNK_SIZE, count: 1, source, format, strictChecksums };
          yield* emit(parseBatch(s.bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE), o)[0]!);
        }
        if (s.own) recycle(s.bytes);
        await turn();
        continue;
      }
      // The next batch is at a worker and not finished: parse ahead the lowest one no worker has
      // taken. (While it is still being read, wait: parsing ahead keeps results alive longer.)
      // At most AHEAD such batches wait at a time: their records are objects, the costliest to hold.
      let k = next + 1;
      while (s.state === 'worker' && ahead < AHEAD && k < issued && slots.get(k)!.state !== 'ready') k++;
      const mine = s.state === 'worker' && ahead < AHEAD ? slots.get(k) : undefined;
      if (mine?.state === 'ready') {
        slots.set(k, { state: 'done', mine: true, results: parseBatch(mine.bytes, { firstChunk: first(k), fileOffset: offsetOf(k), count: count(k), source, format, strictChecksums }) });
        if (mine.own) recycle(mine.bytes);
        ahead++;
        callerBatches++;
        await turn();
        continue;
      }
      await changed();
    }
  } finally {
    options.onStats?.({ batchChunks, batches, workers, callerBatches, workerBatches: pool?.workers.map((w) => w.done) ?? [] });
    slots.clear();
    await pool?.close();
  }
}
