/**
 * Worker threads started ahead of parsing and shared across files: a run over many files then pays
 * the workers' start (and a mapper's setup, such as compiling rules) once, not per file, and a
 * caller can wait until they are ready before it starts the clock or the first file.
 */
import { pathToFileURL } from 'node:url';
import type { EvtxWorkers } from '../options.ts';
import { WorkerPool } from './schedule.ts';

export interface StartWorkersOptions {
  /** Threads that will parse, the calling one included: `threads − 1` workers start. */
  readonly threads: number;
  /** A mapper module (file: URL or path) for mapEvtx; without one the workers serve parseEvtx. */
  readonly mapper?: string | URL;
  /** Given to the mapper's `createEvtxMapper` in every worker (each gets a structured clone). */
  readonly init?: unknown;
}

/** Where an EvtxWorkers keeps its pool (not part of the public shape). */
const POOL = Symbol('pool');
type WithPool = EvtxWorkers & { readonly [POOL]: WorkerPool };

/** A mapper module's URL as a string a worker can import. */
export function mapperUrl(mapper: string | URL): string {
  if (mapper instanceof URL) return mapper.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(mapper) && !/^[a-z]:[\\/]/i.test(mapper) ? mapper : pathToFileURL(mapper).href;
}

/**
 * Starts `threads − 1` workers right away, so their start (and the mapper's setup) overlaps
 * whatever this thread does meanwhile.
 */
export function startEvtxWorkers(options: StartWorkersOptions): EvtxWorkers {
  const size = Math.max(0, Math.floor(options.threads) - 1);
  const pool =
    options.mapper === undefined ? new WorkerPool(size, { kind: 'wire' }) : new WorkerPool(size, { kind: 'map', module: mapperUrl(options.mapper), init: options.init });
  const workers: WithPool = {
    size: pool.workers.length,
    kind: options.mapper === undefined ? 'parse' : 'map',
    ready: () => pool.whenReady(),
    close: () => pool.close(),
    [POOL]: pool,
  };
  return workers;
}

/**
 * The pool behind workers given to parseEvtx (no `mapper`) or to mapEvtx (its mapper's URL); a
 * TypeError if they serve the other, or another mapper (whose answers would pass for this one's).
 */
export function poolOf(workers: EvtxWorkers, mapper?: string): WorkerPool {
  const pool = (workers as Partial<WithPool>)[POOL];
  if (pool === undefined) throw new TypeError('workers must come from startEvtxWorkers()');
  const setup = pool.setup;
  if (mapper === undefined && setup.kind === 'map') throw new TypeError('these workers run a mapper; parseEvtx needs workers started without one');
  if (mapper !== undefined && setup.kind === 'wire') throw new TypeError('these workers parse records (started without a mapper); mapEvtx needs workers started with its mapper');
  if (mapper !== undefined && setup.kind === 'map' && setup.module !== mapper) throw new TypeError(`these workers run ${setup.module}, not ${mapper}`);
  return pool;
}
