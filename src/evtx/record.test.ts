/**
 * The fast JSON path (rendering straight from a template definition) and the resolved-tree path
 * must agree on every record of the corpus, and with hand-made records that need each path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { byteView } from './bytes.ts';
import { chunkContext } from './binxml/tokens.ts';
import { checkRecordFrame, readRecordJson, readRecordTree } from './record.ts';
import { renderJson } from './render/json.ts';
import { regressionFiles } from '../../test/evtx/helpers.ts';
import { multiChunkFile } from '../../test/evtx/fixtures.ts';

function* records(file: Uint8Array): Generator<{ json: unknown; tree: unknown }> {
  for (let base = 4096; base + 65536 <= file.length; base += 65536) {
    const chunk = file.subarray(base, base + 65536);
    const v = byteView(chunk);
    const fast = chunkContext(v);
    const slow = chunkContext(v);
    const free = v.dv.getUint32(48, true);
    for (let off = 512; off + 28 <= free; ) {
      const size = checkRecordFrame(v, off, free);
      if (typeof size !== 'number') break;
      yield { json: readRecordJson(fast, off, size), tree: renderJson(readRecordTree(slow, off, size)) };
      off += size;
    }
  }
}

describe('record rendering paths', () => {
  it('template-direct JSON equals resolved-tree JSON on every corpus record', () => {
    let n = 0;
    for (const f of [...regressionFiles().map((p) => readFileSync(p)), multiChunkFile()]) {
      for (const r of records(f)) {
        expect(r.json).toEqual(r.tree);
        n++;
      }
    }
    expect(n).toBeGreaterThan(120);
  });
});
