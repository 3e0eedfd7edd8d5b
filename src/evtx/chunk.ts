/**
 * Chunks (libevtx "Chunk"; MS-EVEN6 does not describe them): 64 KiB blocks, each self-contained
 * with its own name and template caches.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `ElfChnk\0` |
 * | 8 / 16 | 8 + 8 | first / last record number |
 * | 24 / 32 | 8 + 8 | first / last record identifier |
 * | 40 | 4 | header size (128) |
 * | 44 | 4 | offset of the last record |
 * | 48 | 4 | free space offset (end of the record data) |
 * | 52 | 4 | CRC32 of the record data (bytes 512 … free space offset) |
 * | 120 | 4 | flags |
 * | 124 | 4 | CRC32 of bytes 0–119 and 128–511 |
 * | 128 | 256 | string table: 64 offsets of common names |
 * | 384 | 128 | template table: 32 offsets of template definitions |
 * | 512 | … | event records |
 *
 * Damage is contained: a bad magic skips the chunk; a CRC mismatch is reported and, unless
 * `strictChecksums`, the records are still read one by one; a record whose framing is broken is
 * skipped by scanning for the next well-framed record; a record whose BinXML cannot be decoded is
 * skipped alone. Every skip is a warning naming the source, the chunk and the file offset.
 */
import { crc32 } from 'node:zlib';
import { EvtxFormatError, byteView, hasMagic } from './bytes.ts';
import type { ByteView } from './bytes.ts';
import { chunkContext } from './binxml/tokens.ts';
import { checkRecordFrame, readRecordHeader, readRecordJson, readRecordXml } from './record.ts';
import { stringifyJson } from './render/json.ts';
import type { JsonObject } from './render/json.ts';
import { CHUNK_SIZE } from './file-header.ts';
import { makeWarning } from './warning.ts';
import type { EvtxWarning, EvtxWarningCode } from './warning.ts';

export const CHUNK_HEADER_SIZE = 512;

/** Native JSON.stringify, or our writer when a bigint is present (JSON.stringify throws on them). */
function jsonText(v: JsonObject): string {
  try {
    return JSON.stringify(v);
  } catch {
    return stringifyJson(v);
  }
}

/** `json`: objects in `data`; `json-text`: the same as JSON text in `json`; `xml`: text in `xml`. */
export type EvtxFormat = 'json' | 'json-text' | 'xml';

export interface EvtxRecord {
  readonly recordId: number | bigint;
  /** Written time from the record header, `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  readonly timestamp: string;
  /** Index of the chunk in the file (0 = the chunk right after the file header). */
  readonly chunk: number;
  /** Absolute file offset of the record. */
  readonly offset: number;
  /** The event in the evtx crate's JSON shape (`format: 'json'`). */
  readonly data?: JsonObject;
  /** The event as JSON text (`format: 'json-text'`): cheapest to pass between threads and print. */
  readonly json?: string;
  /** The event as XML (`format: 'xml'`). */
  readonly xml?: string;
}

export interface ChunkOptions {
  readonly chunkIndex: number;
  /** Absolute file offset of the chunk (for messages). */
  readonly fileOffset: number;
  /** Label for messages (a file name); the library never opens it. */
  readonly source?: string;
  readonly format?: EvtxFormat;
  /** Skip a chunk whose header or data CRC does not match (default: report and read on). */
  readonly strictChecksums?: boolean;
}

export interface ChunkResult {
  readonly records: EvtxRecord[];
  readonly warnings: EvtxWarning[];
}

function isZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** Next offset ≥ `from` holding a well-framed record, or -1. */
function resync(v: ByteView, from: number, limit: number): number {
  const buf = Buffer.from(v.b.buffer, v.b.byteOffset, limit);
  let p = from;
  for (;;) {
    p = buf.indexOf('**\0\0', p, 'latin1');
    if (p < 0 || p + 28 > limit) return -1;
    if (typeof checkRecordFrame(v, p, limit) === 'number') return p;
    p += 1;
  }
}

/** Parses one chunk (≤ 64 KiB; shorter means the file was truncated inside it). Never throws. */
export function parseChunk(bytes: Uint8Array, options: ChunkOptions): ChunkResult {
  const { chunkIndex, fileOffset } = options;
  const source = options.source ?? '<bytes>';
  const format = options.format ?? 'json';
  const records: EvtxRecord[] = [];
  const warnings: EvtxWarning[] = [];
  const warn = (code: EvtxWarningCode, rel: number, what: string): void => {
    warnings.push(makeWarning(code, source, chunkIndex, fileOffset + rel, what));
  };
  const avail = Math.min(bytes.length, CHUNK_SIZE);
  if (avail < CHUNK_HEADER_SIZE) {
    if (!isZero(bytes, 0, avail)) warn('truncated-chunk', 0, `chunk truncated to ${avail} bytes, inside its header: skipped`);
    return { records, warnings };
  }
  if (!hasMagic(bytes, 0, 'ElfChnk\0')) {
    if (!isZero(bytes, 0, avail)) warn('bad-chunk-magic', 0, 'bad chunk magic: chunk skipped');
    return { records, warnings };
  }
  const v = byteView(bytes, avail);
  const truncated = avail < CHUNK_SIZE;
  if (truncated) warn('truncated-chunk', avail, `chunk truncated to ${avail} of ${CHUNK_SIZE} bytes: records past the cut are lost`);

  const headerCrc = crc32(bytes.subarray(128, CHUNK_HEADER_SIZE), crc32(bytes.subarray(0, 120)));
  if (headerCrc !== v.dv.getUint32(124, true)) {
    warn('chunk-header-crc', 0, 'chunk header CRC32 mismatch');
    if (options.strictChecksums === true) return { records, warnings };
  }
  let limit = v.dv.getUint32(48, true);
  if (limit < CHUNK_HEADER_SIZE || limit > CHUNK_SIZE) {
    warn('bad-chunk-header', 48, `free space offset ${limit} is impossible: scanning the whole chunk`);
    limit = avail;
  } else if (!truncated && crc32(bytes.subarray(CHUNK_HEADER_SIZE, limit)) !== v.dv.getUint32(52, true)) {
    warn('chunk-data-crc', CHUNK_HEADER_SIZE, 'record data CRC32 mismatch: damaged records are skipped, the others kept');
    if (options.strictChecksums === true) return { records, warnings };
  }
  limit = Math.min(limit, avail);

  const ctx = chunkContext(v);
  let off = CHUNK_HEADER_SIZE;
  while (off + 28 <= limit) {
    const frame = checkRecordFrame(v, off, limit);
    if (typeof frame === 'string') {
      const next = resync(v, off + 1, limit);
      if (next < 0) {
        // In a truncated chunk the record cut by the truncation was already reported above.
        if (!truncated && !isZero(bytes, off, limit)) warn('bad-record', off, `${frame}: ${limit - off} bytes skipped`);
        break;
      }
      warn('bad-record', off, `${frame}: ${next - off} bytes skipped to the next record`);
      off = next;
      continue;
    }
    try {
      const h = readRecordHeader(v, off);
      const offset = fileOffset + off;
      if (format === 'xml') records.push({ recordId: h.recordId, timestamp: h.timestamp, chunk: chunkIndex, offset, xml: readRecordXml(ctx, off, frame) });
      else if (format === 'json-text') records.push({ recordId: h.recordId, timestamp: h.timestamp, chunk: chunkIndex, offset, json: jsonText(readRecordJson(ctx, off, frame)) });
      else records.push({ recordId: h.recordId, timestamp: h.timestamp, chunk: chunkIndex, offset, data: readRecordJson(ctx, off, frame) });
    } catch (err) {
      const msg = err instanceof EvtxFormatError || err instanceof Error ? err.message : String(err);
      warn('undecodable-record', off, `record could not be decoded: ${msg}`);
    }
    off += frame;
  }
  return { records, warnings };
}
