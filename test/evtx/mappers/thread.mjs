// Test mapper (test/evtx/map.test.ts): per chunk, the id of the thread that ran it (0 = the main
// thread) and the record ids, to see which workers did the work.
import { threadId } from 'node:worker_threads';

/**
 * @returns {(chunk: import('../../../src/evtx/index.ts').ChunkResult) => { thread: number, ids: number[] }}
 */
export function createEvtxMapper() {
  return (chunk) => {
    return { thread: threadId, ids: chunk.records.map((r) => Number(r.recordId)) };
  };
}
