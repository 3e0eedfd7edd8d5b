/**
 * Synthetic multi-chunk EVTX files as full as real logs, built in memory from the sigma-regression
 * chunks that hold several records (those files hold 1–3 records a chunk): each such chunk keeps
 * its first record (which defines the template inline) and is filled with copies of its later
 * records (which refer to that template by offset, so they may sit anywhere in the chunk). Record
 * ids run on across the whole file; the chunk header fields and both CRC32s are rewritten, so the
 * result parses without a warning.
 */
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { CHUNK, fileHeader, HEADER } from './fixtures.ts';
import { regressionFiles } from './helpers.ts';

/** One record's place in a chunk. */
interface Span {
  readonly off: number;
  readonly size: number;
}

function spans(c: Buffer): Span[] {
  const free = c.readUInt32LE(48);
  const out: Span[] = [];
  for (let off = 512; off + 24 <= free; ) {
    const size = c.readUInt32LE(off + 4);
    if (c.readUInt32LE(off) !== 0x2a2a || size < 28) break;
    out.push({ off, size });
    off += size;
  }
  return out;
}

/**
 * A copy of the chunk `src` whose record ids start at `firstId`; `fill`: one with two records or
 * more is filled up with copies of its later records (null when it holds fewer than two).
 */
export function rewriteChunk(src: Uint8Array, firstId: number, fill: boolean): { chunk: Buffer; records: number } | null {
  const c = Buffer.from(src);
  const recs = spans(c);
  if (recs.length === 0 || (fill && recs.length < 2)) return null;
  let id = firstId;
  for (const r of recs) c.writeBigUInt64LE(BigInt(id++), r.off + 8);
  const lastRec = recs[recs.length - 1]!;
  let pos = lastRec.off + lastRec.size;
  let last = lastRec.off;
  if (fill) {
    const tail = recs.slice(1).map(({ off, size }) => Buffer.from(c.subarray(off, off + size)));
    pos = recs[0]!.off + recs[0]!.size;
    last = recs[0]!.off;
    id = firstId + 1;
    c.fill(0, pos);
    for (let i = 0; ; i++) {
      const r = tail[i % tail.length]!;
      if (pos + r.length > CHUNK) break;
      r.copy(c, pos);
      c.writeBigUInt64LE(BigInt(id++), pos + 8);
      last = pos;
      pos += r.length;
    }
  }
  c.writeBigUInt64LE(BigInt(firstId), 8);
  c.writeBigUInt64LE(BigInt(id - 1), 16);
  c.writeBigUInt64LE(BigInt(firstId), 24);
  c.writeBigUInt64LE(BigInt(id - 1), 32);
  c.writeUInt32LE(last, 44);
  c.writeUInt32LE(pos, 48);
  c.writeUInt32LE(crc32(c.subarray(512, pos)), 52);
  c.writeUInt32LE(crc32(c.subarray(128, 512), crc32(c.subarray(0, 120))), 124);
  return { chunk: c, records: id - firstId };
}

/** The regression files' chunks: those holding several records, and the others. */
export function regressionChunks(): { readonly multi: Buffer[]; readonly single: Buffer[] } {
  const multi: Buffer[] = [];
  const single: Buffer[] = [];
  for (const f of regressionFiles()) {
    const b = readFileSync(f);
    for (let off = HEADER; off + CHUNK <= b.length; off += CHUNK) {
      const c = Buffer.from(b.subarray(off, off + CHUNK));
      if (c.toString('latin1', 0, 8) !== 'ElfChnk\0') continue;
      const n = spans(c).length;
      if (n >= 2) multi.push(c);
      else if (n === 1) single.push(c);
    }
  }
  return { multi, single };
}

/**
 * A file of `chunks` chunks: every `denseEvery`-th a dense one (cycling through the multi-record
 * chunks), the others the single-record chunks of the regression files in turn (each a different
 * case, so many rules find something), all from `shift` on; record ids run on from `firstId`.
 */
export function syntheticFile(chunks: number, options: { readonly shift?: number; readonly firstId?: number; readonly denseEvery?: number; readonly sources?: ReturnType<typeof regressionChunks> } = {}): { file: Buffer; records: number } {
  const { multi, single } = options.sources ?? regressionChunks();
  if (multi.length === 0 || single.length === 0) throw new Error('synthetic: the regression chunks are missing');
  const every = options.denseEvery ?? 3;
  const shift = options.shift ?? 0;
  const firstId = options.firstId ?? 1;
  let id = firstId;
  const out: Buffer[] = [fileHeader(chunks)];
  for (let i = 0; i < chunks; i++) {
    const j = i + shift;
    const d = j % every === 0 ? rewriteChunk(multi[Math.floor(j / every) % multi.length]!, id, true)! : rewriteChunk(single[j % single.length]!, id, false)!;
    out.push(d.chunk);
    id += d.records;
  }
  return { file: Buffer.concat(out), records: id - firstId };
}
