/**
 * Batches: the unit of work between threads. A batch is `count` consecutive chunks read in one
 * piece; a worker receives its bytes (transferred, not copied) and answers with one message
 * holding every chunk's warnings and records in a compact form:
 *
 * | field | what |
 * |---|---|
 * | `warnings` | the chunk's warnings (structured clone; few) |
 * | `ids`, `offsets` | record ids and absolute offsets (Float64Array) |
 * | `times` | the records' written times joined by `\n` |
 * | `text` | `json`: one JSON array text of the records' `data`; `json-text`/`xml`: the texts concatenated |
 * | `ends` | `json-text`/`xml`: where each record's text ends in `text` |
 *
 * One string per chunk instead of one object per record: a string crosses threads as a memory copy,
 * and `JSON.parse` rebuilds objects several times faster than structured clone deserialises them.
 * A chunk whose records hold a bigint (an id or value beyond 2^53, which JSON text would round in
 * `JSON.parse`) travels as plain objects instead (`records`).
 */
import { parseChunk } from '../chunk.ts';
import type { ChunkResult, EvtxFormat, EvtxRecord } from '../chunk.ts';
import type { EvtxWarning } from '../warning.ts';
import { CHUNK_SIZE } from '../file-header.ts';
import type { JsonObject } from '../render/json.ts';

/** Message to a worker; the reply carries the same id. */
export interface BatchJob extends BatchOptions {
  readonly id: number;
  /** `count` chunks (the last one may be short at the end of a truncated file). */
  readonly bytes: Uint8Array;
}

export type WireChunk =
  | { readonly warnings: EvtxWarning[]; readonly records: EvtxRecord[] }
  | {
      readonly warnings: EvtxWarning[];
      readonly ids: Float64Array;
      readonly offsets: Float64Array;
      readonly times: string;
      readonly text: string;
      readonly ends: Uint32Array | null;
    };

export interface BatchReply {
  readonly id: number;
  /** Per chunk: a WireChunk, or a mapper's MappedChunk (see worker.ts). */
  readonly chunks: unknown[];
  /** The job's bytes, transferred back for reuse. */
  readonly bytes: Uint8Array;
}

export interface BatchOptions {
  readonly firstChunk: number;
  readonly fileOffset: number;
  readonly count: number;
  readonly source: string;
  readonly format: EvtxFormat;
  readonly strictChecksums: boolean;
}

/**
 * Parses the `count` chunks of a batch in order, handing each chunk's result to `f` before the
 * next is parsed and keeping only what `f` returns: a chunk's records then die young, where
 * parsing the whole batch first would keep four chunks of records alive and have the young
 * generation copy and promote them (measured: five times the scavenge work in a worker).
 */
export function mapBatch<T>(bytes: Uint8Array, o: BatchOptions, f: (r: ChunkResult, chunk: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < o.count; i++) {
    const chunk = bytes.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE);
    out.push(f(parseChunk(chunk, { chunkIndex: o.firstChunk + i, fileOffset: o.fileOffset + i * CHUNK_SIZE, source: o.source, format: o.format, strictChecksums: o.strictChecksums }), o.firstChunk + i));
  }
  return out;
}

/** A chunk's result in its wire form (see the module comment). */
export function encodeChunk(r: ChunkResult, format: EvtxFormat): WireChunk {
  const n = r.records.length;
  const ids = new Float64Array(n);
  const offsets = new Float64Array(n);
  const times: string[] = [];
  for (let i = 0; i < n; i++) {
    const rec = r.records[i]!;
    if (typeof rec.recordId === 'bigint') return r;
    ids[i] = rec.recordId;
    offsets[i] = rec.offset;
    times.push(rec.timestamp);
  }
  if (format === 'json') {
    let text: string;
    try {
      text = JSON.stringify(r.records.map((x) => x.data));
    } catch {
      return r; // a bigint value
    }
    return { warnings: r.warnings, ids, offsets, times: times.join('\n'), text, ends: null };
  }
  const ends = new Uint32Array(n);
  let text = '';
  for (let i = 0; i < n; i++) {
    const rec = r.records[i]!;
    text += (format === 'xml' ? rec.xml : rec.json) ?? '';
    ends[i] = text.length;
  }
  return { warnings: r.warnings, ids, offsets, times: times.join('\n'), text, ends };
}

/** The chunk result back from its wire form. */
export function decodeChunk(w: WireChunk, chunk: number, format: EvtxFormat): ChunkResult {
  if ('records' in w) return w;
  const n = w.ids.length;
  const records: EvtxRecord[] = new Array<EvtxRecord>(n);
  const times = n > 0 ? w.times.split('\n') : [];
  if (w.ends === null) {
    const data = JSON.parse(w.text) as JsonObject[];
    for (let i = 0; i < n; i++) records[i] = { recordId: w.ids[i]!, timestamp: times[i]!, chunk, offset: w.offsets[i]!, data: data[i]! };
  } else {
    let start = 0;
    for (let i = 0; i < n; i++) {
      const end = w.ends[i]!;
      const text = w.text.slice(start, end);
      start = end;
      records[i] = format === 'xml'
        ? { recordId: w.ids[i]!, timestamp: times[i]!, chunk, offset: w.offsets[i]!, xml: text }
        : { recordId: w.ids[i]!, timestamp: times[i]!, chunk, offset: w.offsets[i]!, json: text };
    }
  }
  return { records, warnings: w.warnings };
}
