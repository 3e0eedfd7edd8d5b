/**
 * Inputs and options of a parse: random-access readers (over bytes or an open file handle), what
 * a caller may set, and the statistics of a threaded run.
 */
import type { EvtxFormat } from './chunk.ts';
import type { EvtxWorkers } from './workers.ts';

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
  /**
   * Workers from {@link startEvtxWorkers}, to share across files (they are not stopped at the end);
   * `threads` is then theirs plus this thread. Started without a mapper for parseEvtx, with the
   * same mapper for mapEvtx.
   */
  readonly workers?: EvtxWorkers;
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
