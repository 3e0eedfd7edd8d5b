/**
 * What a caller of parseEvtx / mapEvtx may set, the statistics of a threaded run and the shape of
 * shared workers. A file of its own, below the reader, the scheduler and the worker pool alike, so
 * that none of them imports another for its option types.
 */
import type { EvtxFormat } from './chunk.ts';

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
  /**
   * A fixed plan instead of timing: who parses batch `k` (0-based), `'caller'` (this thread) or a
   * worker by index (modulo the workers). The run first waits until the workers are set up; then
   * nobody takes another's batch, and a batch planned for a worker that died or retired (its
   * mapper failed) is parsed by this thread. For tests, which can then say exactly how the work is
   * shared whatever the machine's speed; no faster than the default, which balances by itself.
   */
  readonly assign?: (batch: number) => BatchOwner;
}

/** Who parses a batch under {@link ParseOptions.assign}. */
export type BatchOwner = 'caller' | number;

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

/** Worker threads for {@link parseEvtx} (no mapper) or for {@link mapEvtx} (one mapper); `close()` when done. */
export interface EvtxWorkers {
  /** Workers started (0 when running from the TypeScript sources, where workers cannot run). */
  readonly size: number;
  /** `parse` serves parseEvtx; `map` serves mapEvtx with this mapper module. */
  readonly kind: 'parse' | 'map';
  /** Settles once every worker is set up (its mapper loaded) or has died. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

