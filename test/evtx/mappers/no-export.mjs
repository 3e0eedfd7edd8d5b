// Test mapper (test/evtx/map.test.ts): a module that exports no createEvtxMapper.
export function somethingElse() {
  return 42;
}
