// Mapper module for `npm run bench evtx` (format json-mapped): takes each record's JSON object
// the way the plain json run does (the keys of its Event) in the thread that parsed it, and
// answers only a count.
export function createEvtxMapper() {
  return (chunk) => {
    let keys = 0;
    for (const r of chunk.records) keys += Object.keys(r.data.Event).length;
    return keys;
  };
}
