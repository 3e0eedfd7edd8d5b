// Test mapper (test/evtx/map.test.ts): per chunk, the record ids and how many keys each record's
// Event object has, tagged with init.tag (default 'module').
//   init.failChunk: the function throws on the chunk of that index.
//   init.slowHereMs: on the main thread, the function first sleeps this long per chunk, so that
//     workers (which take ~0.1 s to start) surely get a share of a small file. Answers are the same.
import { isMainThread } from 'node:worker_threads';

/** @typedef {import('../../../src/evtx/index.ts').ChunkResult} ChunkResult */
/** @typedef {{ tag?: string, failChunk?: number, slowHereMs?: number } | undefined} IdsInit */
/** @typedef {{ tag: string, ids: number[], keys: number[], warnings: number }} Ids */

/** Sleeps `ms` milliseconds (this thread only; no CPU used). @param {number} ms */
export function pause(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * @param {IdsInit} init
 * @returns {(chunk: ChunkResult) => Ids}
 */
export function createEvtxMapper(init) {
  const tag = init?.tag ?? 'module';
  const failChunk = init?.failChunk;
  const slow = isMainThread ? (init?.slowHereMs ?? 0) : 0;
  return (chunk) => {
    if (slow > 0) pause(slow);
    if (failChunk !== undefined && chunk.records.some((r) => r.chunk === failChunk)) throw new Error(`ids mapper refuses chunk ${failChunk}`);
    return {
      tag,
      ids: chunk.records.map((r) => Number(r.recordId)),
      keys: chunk.records.map((r) => {
        const event = r.data?.['Event'];
        return event !== null && typeof event === 'object' && !Array.isArray(event) ? Object.keys(event).length : 0;
      }),
      warnings: chunk.warnings.length,
    };
  };
}
