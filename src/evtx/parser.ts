/**
 * Whole-file parsing: the file header is checked, then every chunk's records are yielded in file
 * order, with a warning for every damaged place. `parseEvtxSync` does it on this thread from bytes
 * in memory; `parseEvtx` reads batches of chunks and shares them with worker threads (schedule.ts),
 * the records crossing back as compact text (batch.ts).
 *
 * Results are values, not exceptions: `{ ok: true, record }` or `{ ok: false, warning }`.
 */
import { decodeChunk } from './threads/batch.ts';
import type { WireChunk } from './threads/batch.ts';
import { parseChunk } from './chunk.ts';
import type { ChunkResult, EvtxRecord } from './chunk.ts';
import type { EvtxWarning } from './warning.ts';
import { checkFileHeader, chunkCount, CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.ts';
import { bytesReader } from './reader.ts';
import type { ParseOptions } from './options.ts';
import type { RandomAccessReader } from './reader.ts';
import { scheduleChunks } from './threads/schedule.ts';
import { poolOf } from './threads/workers.ts';

export type EvtxResult = { readonly ok: true; readonly record: EvtxRecord } | { readonly ok: false; readonly warning: EvtxWarning };

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

/**
 * Parses an EVTX file from bytes or a random-access reader, batch by batch, on this thread and
 * `threads − 1` workers, yielding records in file order and a warning for every damaged place.
 * Never throws on damaged input; a failing `reader.read` becomes a `read-error` warning for the
 * chunks it should have read. Stopping the iteration early (`break`, `return()`,
 * `options.signal`) terminates the workers.
 */
export async function* parseEvtx(input: Uint8Array | RandomAccessReader, options: ParseOptions = {}): AsyncGenerator<EvtxResult> {
  const reader = input instanceof Uint8Array ? bytesReader(input) : input;
  const format = options.format ?? 'json';
  const signal = options.signal;
  const pool = options.workers === undefined ? undefined : poolOf(options.workers);
  const chunks = scheduleChunks<ChunkResult>(reader, options, {
    workerSetup: { kind: 'wire' },
    ...(pool !== undefined ? { pool } : {}),
    here: (r) => r,
    fromWorker: (w, chunk) => decodeChunk(w as WireChunk, chunk, format),
    lost: (warnings) => ({ records: [], warnings }),
  });
  for await (const r of chunks) {
    if (signal === undefined) {
      yield* toResults(r);
      continue;
    }
    // An abort takes effect before the next record.
    for (const x of toResults(r)) {
      signal.throwIfAborted();
      yield x;
    }
  }
}
