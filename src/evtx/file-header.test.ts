/** File header decoding on a real file and on damaged copies. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EvtxFormatError } from './bytes.ts';
import { checkFileHeader, parseFileHeader } from './file-header.ts';
import { regressionFiles } from '../../test/evtx/helpers.ts';

const real = (): Buffer => readFileSync(regressionFiles()[0]!);

describe('file header', () => {
  it('decodes a real header', () => {
    const h = parseFileHeader(real());
    expect(h.majorVersion).toBe(3);
    expect([1, 2]).toContain(h.minorVersion);
    expect(h.headerSize).toBe(128);
    expect(h.headerBlockSize).toBe(4096);
    expect(h.chunkCount).toBe(1);
    expect(h.checksumOk).toBe(true);
  });

  it('rejects a bad magic with a coded error', () => {
    const b = real();
    b[0] = 0x41;
    expect(() => parseFileHeader(b)).toThrow(EvtxFormatError);
    const { warnings } = checkFileHeader(b.subarray(0, 4096), b.length, 'x.evtx');
    expect(warnings.map((w) => w.code)).toEqual(['bad-file-header']);
  });

  it('reports a CRC mismatch and a truncated file', () => {
    const b = real();
    b[8] = b[8]! ^ 1;
    expect(parseFileHeader(b).checksumOk).toBe(false);
    expect(checkFileHeader(b.subarray(0, 4096), b.length, 'x.evtx').warnings.map((w) => w.code)).toEqual(['file-header-crc']);
    expect(checkFileHeader(real().subarray(0, 100), 100, 'x.evtx').warnings.map((w) => w.code)).toEqual(['bad-file-header', 'truncated-file']);
  });
});
