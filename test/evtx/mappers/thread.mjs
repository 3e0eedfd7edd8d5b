// Test mapper (test/evtx/map.test.ts): per chunk, the id of the thread that ran it (0 = the main
// thread) and the record ids, to see which workers did the work. init.slowHereMs: as in ids.mjs.
import { isMainThread, threadId } from 'node:worker_threads';
import { pause } from './ids.mjs';

/**
 * @param {{ slowHereMs?: number } | undefined} init
 * @returns {(chunk: import('../../../src/evtx/index.ts').ChunkResult) => { thread: number, ids: number[] }}
 */
export function createEvtxMapper(init) {
  const slow = isMainThread ? (init?.slowHereMs ?? 0) : 0;
  return (chunk) => {
    if (slow > 0) pause(slow);
    return { thread: threadId, ids: chunk.records.map((r) => Number(r.recordId)) };
  };
}
