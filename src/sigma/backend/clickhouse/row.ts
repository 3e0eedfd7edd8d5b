/**
 * One event -> one row of the ClickHouse event table (docs/formats/clickhouse.md). The row holds
 * every field name the evaluator resolves in the event, with the value the evaluator would see
 * (computed by the same getField), so that SQL over the row agrees with the in-process engine:
 *
 *   fields.name / .key / .value / .kind   one entry per field name (key: the loose form of the name,
 *                                         for Defender and cloud sources); kind 1 string, 2 number,
 *                                         3 boolean, 4 null, 5 object or array (its elements are in multi)
 *   multi.name / .value / .kind           the scalar elements of array values (any element matches)
 *   extra_leaves                          scalar leaves of the event no field entry holds (keywords
 *                                         search every leaf)
 *
 * Names enumerated: the event data's and user data's keys, the System element's names and
 * `<Tag>_<Attribute>` names (Windows records), and every dotted path of the JSON (other shapes).
 */
import { eventContext, eventHost, eventLeaves, eventTimeMs, getField, unwrap, SHAPE_EVTX, type EventContext } from '../../runtime/event.ts';

export const KIND_STRING = 1;
export const KIND_NUMBER = 2;
export const KIND_BOOL = 3;
export const KIND_NULL = 4;
export const KIND_CONTAINER = 5;

export interface EventRow {
  time: number;
  time_ms: number;
  host: string;
  channel: string;
  event_id: string;
  provider: string;
  record_id: number;
  source: string;
  line: number;
  'fields.name': string[];
  'fields.key': string[];
  'fields.value': string[];
  'fields.kind': number[];
  'multi.name': string[];
  'multi.value': string[];
  'multi.kind': number[];
  extra_leaves: string[];
  raw: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field name as loose lookups compare it (runtime/event.ts): lower case, no spaces or underscores. */
export function looseKey(name: string): string {
  return name.replace(/[\s_]+/g, '').toLowerCase();
}

/** How deep names are enumerated (the evaluator stops at 100; real events nest under 10). */
const MAX_DEPTH = 32;

function pathNames(v: unknown, prefix: string, out: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(v)) {
    for (const el of v) pathNames(el, prefix, out, depth + 1);
    return;
  }
  if (!isObj(v)) return;
  for (const k of Object.keys(v)) {
    const name = prefix === '' ? k : `${prefix}.${k}`;
    out.add(name);
    pathNames(v[k], name, out, depth + 1);
  }
}

function names(ctx: EventContext): string[] {
  const out = new Set<string>();
  if (ctx.data !== undefined) for (const k of Object.keys(ctx.data)) out.add(k);
  if (ctx.user !== undefined) for (const k of Object.keys(ctx.user)) out.add(k);
  if (ctx.shape === SHAPE_EVTX) {
    const sys = ctx.sys as Obj;
    for (const [tag, v] of Object.entries(sys)) {
      out.add(tag);
      const attrs = isObj(v) ? v['#attributes'] : undefined;
      if (isObj(attrs)) for (const a of Object.keys(attrs)) out.add(`${tag}_${a}`);
    }
  } else {
    if (ctx.sys !== undefined) for (const k of ['EventID', 'Channel', 'Computer', 'Provider_Name', 'Provider_Guid', 'EventRecordID', 'Task', 'Opcode', 'Version']) out.add(k);
    pathNames(ctx.raw, '', out, 0);
  }
  return [...out];
}

function kindOf(v: unknown): number {
  if (typeof v === 'string') return KIND_STRING;
  if (typeof v === 'number' || typeof v === 'bigint') return KIND_NUMBER;
  if (typeof v === 'boolean') return KIND_BOOL;
  if (v === null) return KIND_NULL;
  return KIND_CONTAINER;
}

const scalar = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '');

/** The elements an array value's matchers see: nested arrays flattened, `#text` objects unwrapped. */
function elements(v: readonly unknown[], out: unknown[], depth = 0): void {
  for (const x of v) {
    if (Array.isArray(x)) {
      if (depth < MAX_DEPTH) elements(x, out, depth + 1);
    } else out.push(unwrap(x));
  }
}

/** The row for one event read from `source` at 1-based `line`. */
export function eventRow(event: unknown, source: string, line: number): EventRow {
  const ctx = eventContext(event);
  const row: EventRow = {
    time: 0,
    time_ms: 0,
    host: '',
    channel: '',
    event_id: '',
    provider: '',
    record_id: 0,
    source,
    line,
    'fields.name': [],
    'fields.key': [],
    'fields.value': [],
    'fields.kind': [],
    'multi.name': [],
    'multi.value': [],
    'multi.kind': [],
    extra_leaves: [],
    raw: JSON.stringify(event),
  };
  const held = new Map<string, number>();
  const hold = (s: string): void => {
    held.set(s, (held.get(s) ?? 0) + 1);
  };
  for (const name of names(ctx)) {
    const got = getField(ctx, name);
    if (got === undefined) continue;
    const v = Array.isArray(got) ? got : unwrap(got);
    const kind = kindOf(v);
    row['fields.name'].push(name);
    row['fields.key'].push(looseKey(name));
    row['fields.value'].push(scalar(v));
    row['fields.kind'].push(kind);
    if (kind <= KIND_BOOL) hold(scalar(v));
    if (Array.isArray(v)) {
      const els: unknown[] = [];
      elements(v, els);
      for (const el of els) {
        const k = kindOf(el);
        row['multi.name'].push(name);
        row['multi.value'].push(scalar(el));
        row['multi.kind'].push(k);
        if (k <= KIND_BOOL) hold(scalar(el));
      }
    }
  }
  // Leaves no entry holds (as many times as they occur beyond the held ones: a set would do, the
  // multiset keeps the rule simple to check).
  for (const leaf of eventLeaves(ctx)) {
    const n = held.get(leaf);
    if (n !== undefined && n > 0) held.set(leaf, n - 1);
    else if (n === undefined) row.extra_leaves.push(leaf);
  }
  const low = (f: string): string => {
    const v = getField(ctx, f);
    const u = Array.isArray(v) ? undefined : unwrap(v);
    return scalar(u).toLowerCase();
  };
  row.channel = low('Channel');
  row.event_id = low('EventID');
  row.provider = scalar(unwrap(getField(ctx, 'Provider_Name')));
  const rid = Number(scalar(unwrap(getField(ctx, 'EventRecordID'))));
  row.record_id = Number.isSafeInteger(rid) && rid >= 0 ? rid : 0;
  const ms = eventTimeMs(ctx);
  if (ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms < 4_102_444_800_000) {
    row.time_ms = Math.floor(ms);
    row.time = Math.floor(ms / 1000);
  }
  row.host = eventHost(ctx) ?? '';
  return row;
}

/**
 * Rows in ClickHouse's RowBinary format, written straight into one growing buffer: the fastest
 * insert format for the server to read (no text parsing, no escaping) and for us to write (no JSON
 * of the row). Columns in the table's order (schema.ts): DateTime as UInt32, Int64 and UInt64
 * little-endian, strings and arrays as a LEB128 length then their bytes / elements.
 */
export class RowBinaryWriter {
  private buf: Buffer;
  private pos = 0;
  rows = 0;
  /** `reuse`: after take(), start a new buffer of the same size (false: the writer is done). */
  private readonly reuse: boolean;
  constructor(initialBytes = 1 << 20, reuse = true) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.reuse = reuse;
  }
  get bytes(): number {
    return this.pos;
  }
  /** The rows written so far (a copy-free view; the writer starts over). */
  take(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.buf.buffer as ArrayBuffer, this.buf.byteOffset, this.pos);
    this.buf = this.reuse ? Buffer.allocUnsafe(Math.max(1 << 20, this.buf.length)) : Buffer.alloc(0);
    this.pos = 0;
    this.rows = 0;
    return out;
  }
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  private varint(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  u8(n: number): void {
    this.room(1);
    this.buf[this.pos++] = n;
  }
  u32(n: number): void {
    this.room(4);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.pos += 4;
  }
  /** Int64 / UInt64 of a non-negative safe integer (the row's numbers are). */
  i64(n: number): void {
    this.room(8);
    this.buf.writeUInt32LE(n % 0x1_0000_0000, this.pos);
    this.buf.writeUInt32LE(Math.floor(n / 0x1_0000_0000), this.pos + 4);
    this.pos += 8;
  }
  str(s: string): void {
    // At most 3 bytes per UTF-16 unit. Written after a one-byte length, moved when it needs more.
    const max = s.length * 3;
    this.room(max + 10);
    const n = this.buf.write(s, this.pos + 1, max, 'utf8');
    if (n < 0x80) {
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    const lenBytes = n < 1 << 14 ? 2 : n < 1 << 21 ? 3 : n < 1 << 28 ? 4 : 5;
    this.buf.copyWithin(this.pos + lenBytes, this.pos + 1, this.pos + 1 + n);
    this.varint(n);
    this.pos += n;
  }
  strings(a: readonly string[]): void {
    this.varint(a.length);
    for (const s of a) this.str(s);
  }
  bytesArray(a: readonly number[]): void {
    this.varint(a.length);
    this.room(a.length);
    for (const x of a) this.buf[this.pos++] = x;
  }
}

/** Appends one row (eventRow) to `w` in RowBinary, columns in the table's order. */
export function writeRowBinary(row: EventRow, w: RowBinaryWriter): void {
  w.u32(row.time);
  w.i64(row.time_ms);
  w.str(row.host);
  w.str(row.channel);
  w.str(row.event_id);
  w.str(row.provider);
  w.i64(row.record_id);
  w.str(row.source);
  w.i64(row.line);
  w.strings(row['fields.name']);
  w.strings(row['fields.key']);
  w.strings(row['fields.value']);
  w.bytesArray(row['fields.kind']);
  w.strings(row['multi.name']);
  w.strings(row['multi.value']);
  w.bytesArray(row['multi.kind']);
  w.strings(row.extra_leaves);
  w.str(row.raw);
  w.rows++;
}
