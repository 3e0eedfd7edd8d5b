// Test mapper (test/evtx/map.test.ts): per chunk, the record ids and how many keys each record's
// Event object has, tagged with init.tag (default 'module').
//   init.failChunk: the function throws on the chunk of that index.

/** @typedef {import('../../../src/evtx/index.ts').ChunkResult} ChunkResult */
/** @typedef {{ tag?: string, failChunk?: number } | undefined} IdsInit */
/** @typedef {{ tag: string, ids: number[], keys: number[], warnings: number }} Ids */

/**
 * @param {IdsInit} init
 * @returns {(chunk: ChunkResult) => Ids}
 */
export function createEvtxMapper(init) {
  const tag = init?.tag ?? 'module';
  const failChunk = init?.failChunk;
  return (chunk) => {
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
