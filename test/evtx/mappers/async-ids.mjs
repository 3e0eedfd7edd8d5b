// Test mapper (test/evtx/map.test.ts): createEvtxMapper returns a promise of the function, after a
// delay (init.delayMs, default 50), so workers become ready only some time after the file started.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @param {{ delayMs?: number } | undefined} init
 * @returns {Promise<(chunk: import('../../../src/evtx/index.ts').ChunkResult) => { tag: string, ids: number[] }>}
 */
export async function createEvtxMapper(init) {
  await sleep(init?.delayMs ?? 50);
  return (chunk) => ({ tag: 'async', ids: chunk.records.map((r) => Number(r.recordId)) });
}
