/**
 * Mapped parsing: a function runs over each chunk's records in the thread that parsed them, and
 * only its answers cross threads. Objects cannot be shared between threads: handing records to the
 * calling thread means rebuilding every one of them there (JSON.parse of the worker's text), which
 * costs the calling thread half as much as parsing them itself and caps two threads well below
 * twice one. A mapper that boils a chunk down (a count, the few events a rule matched) keeps both
 * threads on their own work, so the gain grows with the threads.
 *
 * The mapper is a module, since a worker cannot receive a function: it exports
 * `createEvtxMapper(init)`, which returns the per-chunk function (or a promise of it). Each worker
 * loads it once, with its own structured clone of `init`; the calling thread uses `local` if given
 * (say, the same function over objects it already has) or loads the module too.
 */
import { pathToFileURL } from 'node:url';
import type { ChunkResult, EvtxWarning } from './chunk.ts';
import { bytesReader } from './reader.ts';
import type { ParseOptions, RandomAccessReader } from './reader.ts';
import { scheduleChunks, WorkerPool } from './schedule.ts';

/** What a mapper module's `createEvtxMapper(init)` returns: one answer per chunk, structured-cloneable. */
export type EvtxMapper<R> = (chunk: ChunkResult) => R;

/** The shape of a mapper module. */
export interface EvtxMapperModule<R> {
  createEvtxMapper(init: unknown): EvtxMapper<R> | Promise<EvtxMapper<R>>;
}

export interface MapOptions<R> extends ParseOptions {
  /** The mapper module: a file: URL, or a path. */
  readonly mapper: string | URL;
  /** Given to `createEvtxMapper` in every thread (each worker gets a structured clone). */
  readonly init?: unknown;
  /** The mapper for this thread; default: the module's, created with `init`. */
  readonly local?: EvtxMapper<R>;
  /**
   * Workers from {@link startEvtxWorkers} (with this mapper and init), to share across files: a
   * mapper that takes long to set up (compiling rules) then does so once per worker, not per file.
   * They are not stopped at the end; `threads` is then theirs plus this thread.
   */
  readonly workers?: EvtxWorkers;
}

/** Worker threads running one mapper, for {@link mapEvtx} over several files; `close()` when done. */
export interface EvtxWorkers {
  /** Workers started (0 when running from the TypeScript sources, where workers cannot run). */
  readonly size: number;
  close(): Promise<void>;
}

/**
 * Starts `threads − 1` workers (default: one per core but this thread's) that each load the mapper
 * module with `init` right away, so its setup overlaps whatever this thread does meanwhile.
 */
export function startEvtxWorkers(options: { readonly mapper: string | URL; readonly init?: unknown; readonly threads: number }): EvtxWorkers {
  const pool = new WorkerPool(Math.max(0, Math.floor(options.threads) - 1), { kind: 'map', module: mapperUrl(options.mapper), init: options.init });
  return { size: pool.workers.length, close: () => pool.close(), [POOL]: pool } as EvtxWorkers;
}

/** Where an EvtxWorkers keeps its pool (not part of the public shape). */
const POOL = Symbol('pool');

/** One chunk's answer, in file order. `value` is absent when the chunk could not be read at all. */
export interface MappedChunk<R> {
  /** Chunk index, or −1 for the file header's warnings. */
  readonly chunk: number;
  readonly records: number;
  readonly warnings: EvtxWarning[];
  readonly value?: R;
}

/** A mapper module's URL as a string a worker can import. */
export function mapperUrl(mapper: string | URL): string {
  if (mapper instanceof URL) return mapper.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(mapper) && !/^[a-z]:[\\/]/i.test(mapper) ? mapper : pathToFileURL(mapper).href;
}

/** Loads a mapper module and creates its function (what each worker does once). */
export async function loadMapper<R>(mapper: string | URL, init: unknown): Promise<EvtxMapper<R>> {
  const mod = (await import(mapperUrl(mapper))) as Partial<EvtxMapperModule<R>>;
  if (typeof mod.createEvtxMapper !== 'function') throw new TypeError(`${mapperUrl(mapper)} does not export createEvtxMapper(init)`);
  return await mod.createEvtxMapper(init);
}

/**
 * Parses an EVTX file like {@link parseEvtx}, on this thread and `threads − 1` workers, and yields
 * the mapper's answer for every chunk in file order, with the chunk's warnings and record count.
 * A mapper that throws in a worker loses that batch (a `read-error` warning says so); one that
 * throws here ends the iteration with its error.
 */
export async function* mapEvtx<R>(input: Uint8Array | RandomAccessReader, options: MapOptions<R>): AsyncGenerator<MappedChunk<R>> {
  const reader = input instanceof Uint8Array ? bytesReader(input) : input;
  const module = mapperUrl(options.mapper);
  const map = options.local ?? (await loadMapper<R>(module, options.init));
  const pool = options.workers === undefined ? undefined : (options.workers as EvtxWorkers & { [POOL]: WorkerPool })[POOL];
  yield* scheduleChunks<MappedChunk<R>>(reader, options, {
    workerSetup: pool?.setup ?? { kind: 'map', module, init: options.init },
    ...(pool !== undefined ? { pool } : {}),
    here: (r, chunk) => ({ chunk, records: r.records.length, warnings: r.warnings, value: map(r) }),
    fromWorker: (answer) => answer as MappedChunk<R>,
    lost: (warnings, chunk) => ({ chunk, records: 0, warnings }),
  });
}
