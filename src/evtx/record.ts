/**
 * Event records (libevtx "Event record"; MS-EVEN6 §2.2.2 record framing):
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `**\0\0` (0x00002a2a) |
 * | 4 | 4 | size of the record |
 * | 8 | 8 | record identifier |
 * | 16 | 8 | written time (FILETIME) |
 * | 24 | size − 28 | BinXML fragment |
 * | size − 4 | 4 | copy of the size |
 */
import { u32, u64 } from './bytes.ts';
import type { ByteView } from './bytes.ts';
import { parseTokens } from './binxml/tokens.ts';
import type { ChunkContext, Element, XNode } from './binxml/tokens.ts';
import { MAX_EXPANSION, renderableInPlace, resolveRecord } from './binxml/tree.ts';
import { filetimeText } from './binxml/values.ts';
import { renderJson } from './render/json.ts';
import type { JsonObject } from './render/json.ts';
import { renderXml } from './render/xml.ts';

export const RECORD_MAGIC = 0x00002a2a;
export const RECORD_HEADER_SIZE = 24;

export interface RecordHeader {
  readonly size: number;
  readonly recordId: number | bigint;
  readonly timestamp: string;
}

/**
 * Checks the framing of a record at `off` without decoding it: magic, a size that fits before
 * `limit`, and the trailing size copy. Returns the size, or a reason it is not a record.
 */
export function checkRecordFrame(v: ByteView, off: number, limit: number): number | string {
  if (off + RECORD_HEADER_SIZE + 4 > limit) return 'record header runs past the end of the chunk data';
  if (v.dv.getUint32(off, true) !== RECORD_MAGIC) return 'bad record magic';
  const size = v.dv.getUint32(off + 4, true);
  if (size < RECORD_HEADER_SIZE + 4) return `record size ${size} is too small`;
  if (off + size > limit) return `record size ${size} points outside its chunk`;
  if (v.dv.getUint32(off + size - 4, true) !== size) return `record size ${size} does not match its trailing copy`;
  return size;
}

export function readRecordHeader(v: ByteView, off: number): RecordHeader {
  return {
    size: u32(v, off + 4, 'record.size'),
    recordId: u64(v, off + 8, 'record.id'),
    timestamp: filetimeText(u32(v, off + 16, 'record.time'), u32(v, off + 20, 'record.time')),
  };
}

/** Decodes a framed record's BinXML into a resolved element tree. */
export function readRecordTree(ctx: ChunkContext, off: number, size: number): Element {
  const { nodes } = parseTokens(ctx, off + RECORD_HEADER_SIZE, off + size - 4, 0);
  return resolveRecord(ctx, nodes);
}

/**
 * A framed record rendered as JSON: the usual record (one template instance without element
 * repetition) straight from its cached template definition; any other through the resolved tree.
 */
export function readRecordJson(ctx: ChunkContext, off: number, size: number): JsonObject {
  const { nodes } = parseTokens(ctx, off + RECORD_HEADER_SIZE, off + size - 4, 0);
  const only: XNode | undefined = nodes.length === 1 ? nodes[0] : undefined;
  if (only !== undefined && typeof only === 'object' && only.k === 4 && only.def.flatRoot !== null && renderableInPlace(only.values)) {
    return renderJson(only.def.flatRoot, { vals: only.values, ctx, depth: 0, budget: { left: MAX_EXPANSION } });
  }
  return renderJson(resolveRecord(ctx, nodes));
}

export function readRecordXml(ctx: ChunkContext, off: number, size: number): string {
  return renderXml(readRecordTree(ctx, off, size));
}
