/**
 * Whole-file parsing, chunk by chunk: the file header is checked, then each 64 KiB chunk is read,
 * parsed (in worker threads when `threads > 1`) and its records yielded in file order. Memory is
 * bounded by the number of chunks in flight (2 per thread), whatever the file size.
 *
 * Results are values, not exceptions: `{ ok: true, record }` or `{ ok: false, warning }`.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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
}

export interface ParseOptions {
  readonly format?: EvtxFormat;
  /**
   * Worker threads for chunk parsing; default: the number of cores. 1 parses on this thread, as do
   * files of fewer than 4 chunks, and the TypeScript sources (workers run from the built dist/).
   */
  readonly threads?: number;
  /** Label used in warnings (a file name). */
  readonly source?: string;
  /** Skip chunks whose CRC32 does not match instead of reading on. */
  readonly strictChecksums?: boolean;
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
  return {
    size,
    async read(position, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
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

/** Message sent to a worker; the reply carries the same id. */
export interface ChunkJob {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly chunkIndex: number;
  readonly fileOffset: number;
  readonly source: string;
  readonly format: EvtxFormat;
  readonly strictChecksums: boolean;
}

export interface ChunkReply {
  readonly id: number;
  readonly result: ChunkResult;
  /** The records as JSON text, when they hold no bigint (then `result.records` is empty). */
  readonly recordsJson?: string;
}

/** Files with fewer chunks than this are parsed on the calling thread whatever `threads` says. */
export const MIN_CHUNKS_FOR_WORKERS = 4;

/** The compiled worker next to this module, or null when running from TypeScript sources. */
function workerUrl(): URL | null {
  if (!import.meta.url.endsWith('.js')) return null;
  return new URL('./worker.js', import.meta.url);
}

class Pool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (r: ChunkResult) => void; job: ChunkJob }>();
  private nextId = 0;

  constructor(url: URL, size: number) {
    for (let i = 0; i < size; i++) {
      // A chunk needs a few MB of heap; small young generations keep each isolate's RSS low.
      const w = new Worker(url, { resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 } });
      w.on('message', (m: ChunkReply) => {
        const p = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (p === undefined) return;
        p.resolve(m.recordsJson !== undefined ? { records: JSON.parse(m.recordsJson) as EvtxRecord[], warnings: m.result.warnings } : m.result);
      });
      w.on('error', (err: Error) => this.failAll(err));
      w.on('exit', (code) => this.failAll(new Error(`worker exited with code ${code}`)));
      this.workers.push(w);
    }
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.waiting) {
      this.waiting.delete(id);
      const j = p.job;
      p.resolve({ records: [], warnings: [makeWarning('read-error', j.source, j.chunkIndex, j.fileOffset, `worker failed: ${err.message}`)] });
    }
  }

  run(job: Omit<ChunkJob, 'id'>): Promise<ChunkResult> {
    const id = this.nextId++;
    const full: ChunkJob = { ...job, id };
    const w = this.workers[id % this.workers.length]!;
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve, job: full });
      const b = job.bytes;
      // Transfer, never copy twice; a view into a larger buffer (e.g. a Buffer over a whole
      // file) is copied first, since transferring would detach the caller's buffer.
      const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
      const bytes = own ? b : new Uint8Array(b);
      try {
        w.postMessage({ ...full, bytes }, [bytes.buffer as ArrayBuffer]);
      } catch (err) {
        this.waiting.delete(id);
        resolve({ records: [], warnings: [makeWarning('read-error', job.source, job.chunkIndex, job.fileOffset, `cannot hand the chunk to a worker: ${err instanceof Error ? err.message : String(err)}`)] });
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Parses an EVTX file from bytes or a random-access reader, chunk by chunk, yielding records in
 * file order and a warning for every damaged place. Never throws on damaged input; a failing
 * `reader.read` ends the iteration with a `read-error` warning.
 */
export async function* parseEvtx(input: Uint8Array | RandomAccessReader, options: ParseOptions = {}): AsyncGenerator<EvtxResult> {
  const reader = input instanceof Uint8Array ? bytesReader(input) : input;
  const source = options.source ?? '<bytes>';
  const format = options.format ?? 'json';
  const strictChecksums = options.strictChecksums ?? false;
  const url = workerUrl();
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  // `threads` counts this thread too: it parses every threads-th chunk itself while threads − 1
  // workers parse the others (this thread also has to take in their results). Starting a worker
  // costs tens of milliseconds, so a file of a few chunks is parsed right here.
  const pool = threads > 1 && url !== null && chunkCount(reader.size) >= MIN_CHUNKS_FOR_WORKERS ? new Pool(url, threads - 1) : null;
  try {
    const head = await reader.read(0, FILE_HEADER_SIZE);
    for (const warning of checkFileHeader(head, reader.size, source).warnings) yield { ok: false, warning };
    const n = chunkCount(reader.size);
    /** A chunk's result, or (for chunks this thread parses) a function that parses it when its turn comes. */
    const job = async (i: number): Promise<ChunkResult | (() => ChunkResult)> => {
      const fileOffset = FILE_HEADER_SIZE + i * CHUNK_SIZE;
      let bytes: Uint8Array;
      try {
        bytes = await reader.read(fileOffset, CHUNK_SIZE);
      } catch (err) {
        return { records: [], warnings: [makeWarning('read-error', source, i, fileOffset, `read failed: ${err instanceof Error ? err.message : String(err)}`)] };
      }
      const j = { bytes, chunkIndex: i, fileOffset, source, format, strictChecksums };
      return pool !== null && i % threads !== 0 ? pool.run(j) : () => parseChunk(bytes, j);
    };
    const inFlight = new Map<number, Promise<ChunkResult | (() => ChunkResult)>>();
    const depth = pool !== null ? threads * 2 : 1;
    let next = 0;
    for (let i = 0; i < n; i++) {
      while (next < n && next < i + depth) {
        inFlight.set(next, job(next));
        next++;
      }
      const pending = await inFlight.get(i)!;
      const r = typeof pending === 'function' ? pending() : pending;
      inFlight.delete(i);
      yield* toResults(r);
    }
  } finally {
    await pool?.close();
  }
}
