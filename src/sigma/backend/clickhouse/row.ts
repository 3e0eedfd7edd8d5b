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
import { RowBinaryWriter } from './row-binary.ts';
import { isStringifyForm } from './stringify-form.ts';

export { RowBinaryWriter };

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

/** `<Tag>_<Attribute>` names seen before, the same string each time (no concatenation and hashing per event). */
const attrNames = new Map<string, Map<string, string>>();
function attrName(tag: string, attr: string): string {
  let m = attrNames.get(tag);
  if (m === undefined) {
    if (attrNames.size >= 10_000) attrNames.clear();
    attrNames.set(tag, (m = new Map<string, string>()));
  }
  let n = m.get(attr);
  if (n === undefined) {
    if (m.size >= 10_000) m.clear();
    m.set(attr, (n = `${tag}_${attr}`));
  }
  return n;
}

function names(ctx: EventContext): Set<string> {
  const out = new Set<string>();
  if (ctx.data !== undefined) for (const k of Object.keys(ctx.data)) out.add(k);
  if (ctx.user !== undefined) for (const k of Object.keys(ctx.user)) out.add(k);
  if (ctx.shape === SHAPE_EVTX) {
    const sys = ctx.sys as Obj;
    for (const [tag, v] of Object.entries(sys)) {
      out.add(tag);
      const attrs = isObj(v) ? v['#attributes'] : undefined;
      if (isObj(attrs)) for (const a of Object.keys(attrs)) out.add(attrName(tag, a));
    }
  } else {
    if (ctx.sys !== undefined) for (const k of ['EventID', 'Channel', 'Computer', 'Provider_Name', 'Provider_Guid', 'EventRecordID', 'Task', 'Opcode', 'Version']) out.add(k);
    pathNames(ctx.raw, '', out, 0);
  }
  return out;
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

/**
 * What a row holds besides its source, line and raw JSON, in arrays reused from one event to the
 * next (the first `*Count` entries are this event's): building rows allocates no arrays per event.
 */
interface RowParts extends Pick<EventRow, 'time' | 'time_ms' | 'host' | 'channel' | 'event_id' | 'provider' | 'record_id'> {
  fieldCount: number;
  readonly names: string[];
  readonly values: string[];
  readonly kinds: number[];
  multiCount: number;
  readonly multiNames: string[];
  readonly multiValues: string[];
  readonly multiKinds: number[];
  extraCount: number;
  readonly extra: string[];
}

const parts: RowParts = { time: 0, time_ms: 0, host: '', channel: '', event_id: '', provider: '', record_id: 0, fieldCount: 0, names: [], values: [], kinds: [], multiCount: 0, multiNames: [], multiValues: [], multiKinds: [], extraCount: 0, extra: [] };
const held = new Set<string>();
const els: unknown[] = [];

/** looseKey of field names seen before (a few hundred in real logs; bounded against odd ones). */
const keys = new Map<string, string>();
function cachedLooseKey(name: string): string {
  let k = keys.get(name);
  if (k === undefined) {
    if (keys.size >= 100_000) keys.clear();
    k = looseKey(name);
    keys.set(name, k);
  }
  return k;
}

/** Fills `parts` (the module's one RowParts) for one event. */
function collect(ctx: EventContext): RowParts {
  const p = parts;
  let nf = 0;
  let nm = 0;
  held.clear();
  for (const name of names(ctx)) {
    const got = getField(ctx, name);
    if (got === undefined) continue;
    const v = Array.isArray(got) ? got : unwrap(got);
    const kind = kindOf(v);
    const value = scalar(v);
    p.names[nf] = name;
    p.values[nf] = value;
    p.kinds[nf] = kind;
    nf++;
    if (kind <= KIND_BOOL) held.add(value);
    if (Array.isArray(v)) {
      els.length = 0;
      elements(v, els);
      for (const el of els) {
        const k = kindOf(el);
        const ev = scalar(el);
        p.multiNames[nm] = name;
        p.multiValues[nm] = ev;
        p.multiKinds[nm] = k;
        nm++;
        if (k <= KIND_BOOL) held.add(ev);
      }
    }
  }
  p.fieldCount = nf;
  p.multiCount = nm;
  // The event's scalar leaves whose value no entry holds (so that keywords still search every leaf).
  let nx = 0;
  for (const leaf of eventLeaves(ctx)) if (!held.has(leaf)) p.extra[nx++] = leaf;
  p.extraCount = nx;
  const low = (f: string): string => {
    const v = getField(ctx, f);
    const u = Array.isArray(v) ? undefined : unwrap(v);
    return scalar(u).toLowerCase();
  };
  p.channel = low('Channel');
  p.event_id = low('EventID');
  p.provider = scalar(unwrap(getField(ctx, 'Provider_Name')));
  const rid = Number(scalar(unwrap(getField(ctx, 'EventRecordID'))));
  p.record_id = Number.isSafeInteger(rid) && rid >= 0 ? rid : 0;
  p.time = 0;
  p.time_ms = 0;
  const ms = eventTimeMs(ctx);
  if (ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms < 4_102_444_800_000) {
    p.time_ms = Math.floor(ms);
    p.time = Math.floor(ms / 1000);
  }
  p.host = eventHost(ctx) ?? '';
  return p;
}

/** The row for one event read from `source` at 1-based `line`. */
export function eventRow(event: unknown, source: string, line: number): EventRow {
  const p = collect(eventContext(event));
  return {
    time: p.time,
    time_ms: p.time_ms,
    host: p.host,
    channel: p.channel,
    event_id: p.event_id,
    provider: p.provider,
    record_id: p.record_id,
    source,
    line,
    'fields.name': p.names.slice(0, p.fieldCount),
    'fields.key': p.names.slice(0, p.fieldCount).map(cachedLooseKey),
    'fields.value': p.values.slice(0, p.fieldCount),
    'fields.kind': p.kinds.slice(0, p.fieldCount),
    'multi.name': p.multiNames.slice(0, p.multiCount),
    'multi.value': p.multiValues.slice(0, p.multiCount),
    'multi.kind': p.multiKinds.slice(0, p.multiCount),
    extra_leaves: p.extra.slice(0, p.extraCount),
    raw: JSON.stringify(event),
  };
}

/**
 * Appends the row of one event to `w` (what writeRowBinary(eventRow(...)) writes, without the
 * row object). `json`: the UTF-8 text the event was parsed from, `json[start..end)`, when the reader
 * has it; when it is exactly JSON.stringify's form (stringify-form.ts) its bytes are the raw column.
 */
export function writeEventRow(w: RowBinaryWriter, event: unknown, source: string, line: number, json?: Uint8Array, start = 0, end = json?.length ?? 0): void {
  const p = collect(eventContext(event));
  w.u32(p.time);
  w.i64(p.time_ms);
  w.str(p.host);
  w.str(p.channel);
  w.str(p.event_id);
  w.str(p.provider);
  w.i64(p.record_id);
  w.str(source);
  w.i64(line);
  const nf = p.fieldCount;
  w.strings(p.names, nf);
  w.varint(nf);
  for (let i = 0; i < nf; i++) w.str(cachedLooseKey(p.names[i] as string));
  w.strings(p.values, nf);
  w.bytesArray(p.kinds, nf);
  w.strings(p.multiNames, p.multiCount);
  w.strings(p.multiValues, p.multiCount);
  w.bytesArray(p.multiKinds, p.multiCount);
  w.strings(p.extra, p.extraCount);
  if (json !== undefined && isStringifyForm(json, start, end, event)) w.utf8(json, start, end);
  else w.str(JSON.stringify(event));
  w.rows++;
}

/**
 * Appends one row (eventRow) to `w` in RowBinary, columns in the table's order: the plain form, kept
 * as the reference writeEventRow's bytes are tested against (row.test.ts, semantics.test.ts).
 */
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
