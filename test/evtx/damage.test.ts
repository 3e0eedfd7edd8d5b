/**
 * Damaged input: every intact record still comes out, every damaged place gets a warning that
 * names the file, the chunk and the offset, and nothing throws.
 */
import { describe, expect, it } from 'vitest';
import { parseEvtxSync } from '../../src/evtx/index.ts';
import type { EvtxRecord, EvtxWarning } from '../../src/evtx/index.ts';
import {
  CHUNK, HEADER, chunkOffset, multiChunkFile, recordsOf, sampleDirty, sampleWithBadChunkMagic, sampleWithDamagedChunkHeader,
  sampleWithDamagedRecordHeader, sampleWithDamagedTemplate, sampleWithRecordOutsideChunk,
} from './fixtures.ts';

const SOURCE = 'damaged.evtx';

function run(bytes: Uint8Array, strictChecksums = false): { records: EvtxRecord[]; warnings: EvtxWarning[] } {
  const records: EvtxRecord[] = [];
  const warnings: EvtxWarning[] = [];
  for (const r of parseEvtxSync(bytes, { source: SOURCE, strictChecksums })) {
    if (r.ok) records.push(r.record);
    else warnings.push(r.warning);
  }
  return { records, warnings };
}

const intact = run(multiChunkFile());
/** Offsets of the records of the intact file, per chunk. */
const offsetsByChunk = (chunk: number): number[] => intact.records.filter((r) => r.chunk === chunk).map((r) => r.offset);
const allOffsets = intact.records.map((r) => r.offset);

function expectWarningNamesPlace(w: EvtxWarning, chunk: number, offset: number): void {
  expect(w.chunk).toBe(chunk);
  expect(w.offset).toBe(offset);
  expect(w.message).toContain(SOURCE);
  expect(w.message).toContain(chunk < 0 ? 'file header' : `chunk ${chunk}`);
  expect(w.message).toContain(`(${offset})`);
}

describe('EVTX damaged input', () => {
  it('reads the intact multi-chunk fixture without warnings', () => {
    expect(intact.warnings).toEqual([]);
    expect(new Set(intact.records.map((r) => r.chunk))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(intact.records.length).toBeGreaterThanOrEqual(9);
  });

  it('skips a chunk with a bad magic, keeps the others', () => {
    const { records, warnings } = run(sampleWithBadChunkMagic(2));
    expect(records.map((r) => r.offset)).toEqual(allOffsets.filter((o) => !offsetsByChunk(2).includes(o)));
    expect(warnings.map((w) => w.code)).toEqual(['bad-chunk-magic']);
    expectWarningNamesPlace(warnings[0]!, 2, chunkOffset(2));
  });

  it('reports a chunk header CRC mismatch and still reads its intact records', () => {
    const { records, warnings } = run(sampleWithDamagedChunkHeader(1));
    expect(records.map((r) => r.offset)).toEqual(allOffsets);
    expect(records.map((r) => r.data)).toEqual(intact.records.map((r) => r.data));
    expect(warnings.map((w) => w.code)).toEqual(['chunk-header-crc']);
    expectWarningNamesPlace(warnings[0]!, 1, chunkOffset(1));
  });

  it('skips the whole chunk on a CRC mismatch with strictChecksums', () => {
    const { records, warnings } = run(sampleWithDamagedChunkHeader(1), true);
    expect(records.map((r) => r.offset)).toEqual(allOffsets.filter((o) => !offsetsByChunk(1).includes(o)));
    expect(warnings.map((w) => w.code)).toEqual(['chunk-header-crc']);
  });

  it('skips a record with a damaged header, keeps the records before and after it', () => {
    const recs = recordsOf(multiChunkFile(), 0);
    expect(recs.length).toBeGreaterThanOrEqual(3);
    const { records, warnings } = run(sampleWithDamagedRecordHeader(0, 1));
    const lost = chunkOffset(0) + recs[1]!.off;
    expect(records.map((r) => r.offset)).toEqual(allOffsets.filter((o) => o !== lost));
    expect(warnings.map((w) => w.code)).toEqual(['chunk-data-crc', 'bad-record']);
    expectWarningNamesPlace(warnings[0]!, 0, chunkOffset(0) + 512);
    expectWarningNamesPlace(warnings[1]!, 0, lost);
    expect(warnings[1]!.message).toMatch(/does not match|points outside/);
  });

  it('skips a record that points outside its chunk', () => {
    const recs = recordsOf(multiChunkFile(), 2);
    const { records, warnings } = run(sampleWithRecordOutsideChunk(2, 0));
    const lost = chunkOffset(2) + recs[0]!.off;
    expect(records.map((r) => r.offset)).toEqual(allOffsets.filter((o) => o !== lost));
    expect(warnings.map((w) => w.code)).toEqual(['chunk-data-crc', 'bad-record']);
    expectWarningNamesPlace(warnings[1]!, 2, lost);
    expect(warnings[1]!.message).toContain('points outside its chunk');
  });

  it('skips each record whose template is damaged, with a warning per record', () => {
    const { records, warnings } = run(sampleWithDamagedTemplate(4));
    const damaged = offsetsByChunk(4);
    expect(damaged.length).toBeGreaterThanOrEqual(2);
    expect(records.map((r) => r.offset)).toEqual(allOffsets.filter((o) => !damaged.includes(o)));
    expect(warnings.map((w) => w.code)).toEqual(['chunk-data-crc', ...damaged.map(() => 'undecodable-record')]);
    damaged.forEach((off, i) => expectWarningNamesPlace(warnings[i + 1]!, 4, off));
  });

  it('reads every chunk of a dirty file and says it is dirty', () => {
    const { records, warnings } = run(sampleDirty());
    expect(records.map((r) => r.offset)).toEqual(allOffsets);
    expect(warnings.map((w) => w.code)).toEqual(['dirty-file']);
    expectWarningNamesPlace(warnings[0]!, -1, 120);
  });

  describe('truncation', () => {
    const full = multiChunkFile();
    const recordEnds = (chunk: number): { start: number; end: number }[] =>
      recordsOf(full, chunk).map((r) => ({ start: chunkOffset(chunk) + r.off, end: chunkOffset(chunk) + r.off + r.size }));
    const allRecs = [0, 1, 2, 3, 4, 5].flatMap(recordEnds);
    const firstOfChunk4 = recordEnds(4);

    const cuts: [string, number][] = [
      ['inside the file header', 2000],
      ['at a chunk boundary', chunkOffset(3)],
      ['inside a chunk header', chunkOffset(3) + 300],
      ['inside the first record of a chunk', firstOfChunk4[0]!.start + 100],
      ['between two records', firstOfChunk4[1]!.start],
      ['inside the last record of a chunk', firstOfChunk4[firstOfChunk4.length - 1]!.end - 10],
      ['inside the trailing free space of the last chunk', chunkOffset(5) + CHUNK - 100],
    ];

    it.each(cuts)('cut %s: every complete record, a warning for the damage', (_what, cut) => {
      const { records, warnings } = run(full.subarray(0, cut));
      const complete = allRecs.filter((r) => r.end <= cut).map((r) => r.start);
      expect(records.map((r) => r.offset)).toEqual(complete);
      expect(warnings.length).toBeGreaterThan(0);
      for (const w of warnings) expect(w.message).toContain(SOURCE);
      const codes = warnings.map((w) => w.code);
      expect(codes.every((c) => c === 'truncated-file' || c === 'truncated-chunk')).toBe(true);
      // Whole chunks missing (or the header cut) show in the file-level warning.
      if (cut < chunkOffset(5)) expect(codes).toContain('truncated-file');
      if (cut > HEADER && (cut - HEADER) % CHUNK !== 0) {
        const chunk = Math.floor((cut - HEADER) / CHUNK);
        const w = warnings.find((x) => x.code === 'truncated-chunk');
        expect(w, `a truncated-chunk warning for chunk ${chunk}`).toBeDefined();
        expect(w!.chunk).toBe(chunk);
      }
    });
  });
});
