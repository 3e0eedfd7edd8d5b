// Test mapper (test/evtx/map.test.ts): setting it up fails, in every thread that tries.
export function createEvtxMapper() {
  throw new Error('throws-on-create: no mapper today');
}
