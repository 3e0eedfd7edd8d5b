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
import type { ChunkResult } from '../chunk.ts';
import type { EvtxWarning } from '../warning.ts';
import { bytesReader } from '../reader.ts';
import type { ParseOptions } from '../options.ts';
import type { RandomAccessReader } from '../reader.ts';
import { scheduleChunks } from './schedule.ts';
import { mapperUrl, poolOf } from './workers.ts';

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
}

/** One chunk's answer, in file order. `value` is absent when the chunk could not be read at all. */
export interface MappedChunk<R> {
  /** Chunk index, or −1 for the file header's warnings. */
  readonly chunk: number;
  readonly records: number;
  readonly warnings: EvtxWarning[];
  readonly value?: R;
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
 * A mapper that fails in a worker (to load, or on a batch) retires that worker and hands the
 * batch back, to be redone by this thread; one that throws here ends the iteration with its error.
 * Workers from {@link startEvtxWorkers} given as `workers` must have been started with this mapper.
 */
export async function* mapEvtx<R>(input: Uint8Array | RandomAccessReader, options: MapOptions<R>): AsyncGenerator<MappedChunk<R>> {
  const reader = input instanceof Uint8Array ? bytesReader(input) : input;
  const module = mapperUrl(options.mapper);
  const pool = options.workers === undefined ? undefined : poolOf(options.workers, module);
  const map = options.local ?? (await loadMapper<R>(module, options.init));
  yield* scheduleChunks<MappedChunk<R>>(reader, options, {
    workerSetup: pool?.setup ?? { kind: 'map', module, init: options.init },
    ...(pool !== undefined ? { pool } : {}),
    here: (r, chunk) => ({ chunk, records: r.records.length, warnings: r.warnings, value: map(r) }),
    fromWorker: (answer) => answer as MappedChunk<R>,
    lost: (warnings, chunk) => ({ chunk, records: 0, warnings }),
  });
}
