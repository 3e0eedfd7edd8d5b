/**
 * The wire form of batch.ts (how a worker's records cross to the calling thread) gives back exactly
 * the records and warnings parsed on one thread, for every format, and keeps 64-bit values exact.
 */
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk, mapBatch } from './batch.ts';
import type { EvtxFormat } from '../chunk.ts';
import { evtxWith, le } from '../../../test/evtx/binxml-builder.ts';
import { CHUNK, HEADER, multiChunkFile, sampleWithDamagedRecordHeader } from '../../../test/evtx/fixtures.ts';

const formats: EvtxFormat[] = ['json', 'json-text', 'xml'];

function roundTrip(bytes: Uint8Array, format: EvtxFormat, count: number): void {
  const opts = { firstChunk: 0, fileOffset: HEADER, count, source: 's.evtx', format, strictChecksums: false };
  const direct = mapBatch(bytes.subarray(HEADER), opts, (r) => r);
  // structuredClone: what postMessage does to the reply
  const wire = structuredClone(direct.map((r) => encodeChunk(r, format)));
  expect(wire.map((w, i) => decodeChunk(w, i, format))).toEqual(direct);
}

describe('batch wire form', () => {
  it.each(formats)('round-trips every record and warning of a six-chunk file (%s)', (format) => {
    roundTrip(multiChunkFile(), format, 6);
    roundTrip(sampleWithDamagedRecordHeader(0, 1), format, 6);
  });

  it('sends text, not objects, for ordinary chunks', () => {
    const [r] = mapBatch(multiChunkFile().subarray(HEADER, HEADER + CHUNK), { firstChunk: 0, fileOffset: HEADER, count: 1, source: 's', format: 'json', strictChecksums: false }, (r) => r);
    const w = encodeChunk(r!, 'json');
    expect('text' in w && typeof w.text).toBe('string');
    expect('records' in w).toBe(false);
  });

  it('falls back to objects for a chunk holding a bigint, keeping it exact', () => {
    const file = evtxWith({ template: { el: 'Event', children: [{ el: 'Big', children: [{ sub: 0, type: 0x0a }] }] }, values: [{ type: 0x0a, bytes: le(2n ** 64n - 2n, 8) }] });
    const [r] = mapBatch(file.subarray(HEADER), { firstChunk: 0, fileOffset: HEADER, count: 1, source: 's', format: 'json', strictChecksums: false }, (r) => r);
    const w = structuredClone(encodeChunk(r!, 'json'));
    expect('records' in w).toBe(true);
    expect(decodeChunk(w, 0, 'json').records.map((x) => x.data)).toEqual([{ Event: { Big: 18446744073709551614n } }]);
  });
});
