/**
 * BinXML value types (MS-EVEN6 §2.2.18 "Value types"; libevtx "Value types") and their text form.
 *
 * A {@link BinValue} is `{ k: 3, t, v }`: `t` is the wire type byte (0x80 set for arrays), `v` the
 * decoded payload. Values whose text form never changes (GUID, SID, FILETIME, SYSTEMTIME, hex
 * integers, size_t, binary) are formatted once, at decode time, into `v: string`.
 *
 * Text rendering follows the evtx crate's `value_render.rs`: integers in decimal, hex integers as
 * lower-case `0x…`, binary as upper-case hex, GUIDs upper-case without braces, timestamps as
 * `YYYY-MM-DDTHH:MM:SS.ffffffZ` (microseconds, truncated), arrays comma-separated.
 */
import { EvtxFormatError, i64, need, u16, u32, u64, u8, utf16 } from '../bytes.ts';
import type { ByteView } from '../bytes.ts';

export const VT = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SysTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
  ArrayFlag: 0x80,
} as const;

/** Scalar payloads: numbers/bigints for integers and floats, strings for preformatted types. */
export type Scalar = number | bigint | string | boolean | null;

/** A decoded value. For `BinXml` (0x21) `v` is `{ off, size }` inside the chunk. */
export interface BinValue {
  readonly k: 3;
  readonly t: number;
  readonly v: Scalar | readonly Scalar[] | NestedBinXml;
}

export interface NestedBinXml {
  readonly off: number;
  readonly size: number;
}

const FIXED_SIZE: Record<number, number> = {
  [VT.Int8]: 1, [VT.UInt8]: 1, [VT.Int16]: 2, [VT.UInt16]: 2, [VT.Int32]: 4, [VT.UInt32]: 4,
  [VT.Int64]: 8, [VT.UInt64]: 8, [VT.Real32]: 4, [VT.Real64]: 8, [VT.Bool]: 4, [VT.Guid]: 16,
  [VT.FileTime]: 8, [VT.SysTime]: 16, [VT.HexInt32]: 4, [VT.HexInt64]: 8,
};

const HEX = '0123456789ABCDEF';

function hexUpper(v: ByteView, off: number, n: number): string {
  let s = '';
  const b = v.b;
  for (let i = off; i < off + n; i++) {
    const x = b[i]!;
    s += HEX[x >> 4]! + HEX[x & 15]!;
  }
  return s;
}

function guid(v: ByteView, off: number): string {
  need(v, off, 16, 'guid');
  const b = v.b;
  const h = (i: number): string => HEX[b[off + i]! >> 4]! + HEX[b[off + i]! & 15]!;
  return (
    h(3) + h(2) + h(1) + h(0) + '-' + h(5) + h(4) + '-' + h(7) + h(6) + '-' + h(8) + h(9) + '-' +
    h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}

function sid(v: ByteView, off: number, size: number): string {
  need(v, off, size, 'sid');
  if (size < 8) return 'S-?';
  const b = v.b;
  const count = b[off + 1]!;
  let auth = 0;
  for (let i = 2; i < 8; i++) auth = auth * 256 + b[off + i]!;
  let s = `S-${b[off]!}-${auth}`;
  const avail = Math.floor((size - 8) / 4);
  for (let i = 0; i < Math.min(count, avail); i++) s += '-' + String(v.dv.getUint32(off + 8 + i * 4, true));
  return s;
}

/** Size in bytes of the SID at `off` (8 + 4 × sub-authority count). */
function sidSize(v: ByteView, off: number): number {
  return 8 + 4 * u8(v, off + 1, 'sid.count');
}

function hex64(lo: number, hi: number): string {
  return hi === 0 ? '0x' + lo.toString(16) : '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
}

const EPOCH_DELTA_MS = 11644473600000;
let lastSec = -1;
let lastSecText = '';

/** FILETIME (100 ns ticks since 1601) as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exact without bigint. */
export function filetimeText(lo: number, hi: number): string {
  // ticks = hi·2^32 + lo = 10000·(hi·429496) + (hi·7296 + lo); both parts stay below 2^53.
  const y = hi * 7296 + lo;
  const msTicks = Math.floor(y / 10000);
  const ms = hi * 429496 + msTicks - EPOCH_DELTA_MS;
  const sub100ns = y - msTicks * 10000;
  const sec = Math.floor(ms / 1000);
  if (sec !== lastSec) {
    const d = new Date(sec * 1000);
    const year = d.getUTCFullYear();
    if (!(year >= 0 && year <= 9999)) throw new EvtxFormatError('bad-value', `FILETIME out of range (${hi}:${lo})`, 0);
    lastSecText = d.toISOString().slice(0, 20);
    lastSec = sec;
  }
  const micros = (ms - sec * 1000) * 1000 + Math.floor(sub100ns / 10);
  return lastSecText + String(micros).padStart(6, '0') + 'Z';
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function systimeText(v: ByteView, off: number): string {
  need(v, off, 16, 'systemtime');
  const g = (i: number): number => v.dv.getUint16(off + i * 2, true);
  const [year, month, day, hour, minute, second, ms] = [g(0), g(1), g(3), g(4), g(5), g(6), g(7)];
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || ms > 999 || year > 9999 ||
    probe.getUTCDate() !== day
  ) {
    throw new EvtxFormatError('bad-value', `invalid SYSTEMTIME ${year}-${month}-${day} ${hour}:${minute}:${second}.${ms}`, off);
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms * 1000, 6)}Z`;
}

/** Shortest decimal text that reads back as the same value (f32 when `single`). */
export function floatText(x: number, single: boolean): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  let s = String(x);
  if (single) {
    for (let p = 1; p <= 9; p++) {
      const c = Number(x.toPrecision(p));
      if (Math.fround(c) === x) {
        s = String(c);
        break;
      }
    }
  }
  return s.replace('e+', 'e');
}

/** One scalar of type `t` (array flag cleared) at `off`; `size` only matters for variable types. */
function scalar(v: ByteView, t: number, off: number, size: number): Scalar {
  switch (t) {
    case VT.Int8: { const x = u8(v, off, 'int8'); return x > 127 ? x - 256 : x; }
    case VT.UInt8: return u8(v, off, 'uint8');
    case VT.Int16: { const x = u16(v, off, 'int16'); return x > 0x7fff ? x - 0x10000 : x; }
    case VT.UInt16: return u16(v, off, 'uint16');
    case VT.Int32: return u32(v, off, 'int32') | 0;
    case VT.UInt32: return u32(v, off, 'uint32');
    case VT.Int64: return i64(v, off, 'int64');
    case VT.UInt64: return u64(v, off, 'uint64');
    case VT.Real32: need(v, off, 4, 'real32'); return v.dv.getFloat32(off, true);
    case VT.Real64: need(v, off, 8, 'real64'); return v.dv.getFloat64(off, true);
    case VT.Bool: return u32(v, off, 'bool') !== 0;
    case VT.Guid: return guid(v, off);
    case VT.FileTime: return filetimeText(u32(v, off, 'filetime'), u32(v, off + 4, 'filetime'));
    case VT.SysTime: return systimeText(v, off);
    case VT.HexInt32: return '0x' + u32(v, off, 'hexint32').toString(16);
    case VT.HexInt64: return hex64(u32(v, off, 'hexint64'), u32(v, off + 4, 'hexint64'));
    case VT.SizeT:
      return size === 4 ? '0x' + u32(v, off, 'size_t').toString(16) : hex64(u32(v, off, 'size_t'), u32(v, off + 4, 'size_t'));
    case VT.Sid: return sid(v, off, size);
    default:
      throw new EvtxFormatError('bad-value', `unsupported value type 0x${t.toString(16)}`, off);
  }
}

function decodeUtf16z(v: ByteView, off: number, size: number, what: string): string {
  need(v, off, size, what);
  const units = size >> 1;
  const b = v.b;
  let n = 0;
  while (n < units && (b[off + 2 * n]! | b[off + 2 * n + 1]!) !== 0) n++;
  return utf16(v, off, n, what);
}

/** Rust's `char::is_whitespace` set (JS `trimEnd` differs: it strips U+FEFF, keeps U+0085). */
const TRAILING_WS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/** Substitution strings lose trailing whitespace, as in the evtx crate (`utf16_by_char_count_trimmed`). */
function trimEndWs(s: string): string {
  if (s === '') return s;
  const c = s.charCodeAt(s.length - 1);
  return c <= 0x20 || c >= 0x85 ? s.replace(TRAILING_WS, '') : s;
}

/** Windows-1252 for 0x80–0x9F (the rest of the code page equals Latin-1); undefined bytes stay as-is. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

/** ANSI strings as Windows-1252 (the crate's default code page), NUL bytes dropped (as the crate does). */
function ansi(v: ByteView, off: number, size: number): string {
  need(v, off, size, 'ansi string');
  let s = '';
  for (let i = off; i < off + size; i++) {
    const c = v.b[i]!;
    if (c === 0) continue;
    s += String.fromCharCode(c >= 0x80 && c <= 0x9f ? CP1252_HIGH[c - 0x80]! : c);
  }
  return s;
}

/**
 * A substitution value whose size comes from the template instance's value descriptor
 * (MS-EVEN6 §2.2.16 "Template instance data", value spec).
 */
export function readSizedValue(v: ByteView, t: number, off: number, size: number): BinValue {
  need(v, off, size, 'substitution value');
  if (t & VT.ArrayFlag) {
    const base = t & 0x7f;
    const items: Scalar[] = [];
    if (base === VT.String) {
      // NUL-terminated UTF-16 strings one after another.
      const units = size >> 1;
      let start = 0;
      for (let i = 0; i < units; i++) {
        if (v.dv.getUint16(off + 2 * i, true) === 0) {
          items.push(utf16(v, off + 2 * start, i - start, 'string array item'));
          start = i + 1;
        }
      }
      if (start < units) items.push(utf16(v, off + 2 * start, units - start, 'string array item'));
    } else if (base === VT.Sid) {
      let p = off;
      while (p + 8 <= off + size) {
        const n = sidSize(v, p);
        if (p + n > off + size) break;
        items.push(sid(v, p, n));
        p += n;
      }
    } else {
      const w = base === VT.SizeT ? 8 : FIXED_SIZE[base];
      if (w === undefined) throw new EvtxFormatError('bad-value', `unsupported array type 0x${t.toString(16)}`, off);
      for (let p = off; p + w <= off + size; p += w) items.push(scalar(v, base, p, w));
    }
    return { k: 3, t, v: items };
  }
  switch (t) {
    case VT.Null: return { k: 3, t, v: null };
    case VT.String:
      if (size % 2 !== 0) throw new EvtxFormatError('bad-value', `UTF-16 string value of odd size ${size}`, off);
      return { k: 3, t, v: trimEndWs(decodeUtf16z(v, off, size, 'string value')) };
    case VT.AnsiString: return { k: 3, t, v: ansi(v, off, size) };
    case VT.Binary: return { k: 3, t, v: hexUpper(v, off, size) };
    case VT.Sid: return { k: 3, t, v: sid(v, off, size) };
    case VT.BinXml:
      return { k: 3, t, v: { off, size } };
    case VT.SizeT:
      if (size !== 4 && size !== 8) throw new EvtxFormatError('bad-value', `size_t value of size ${size}`, off);
      return { k: 3, t, v: scalar(v, t, off, size) };
    case VT.EvtHandle:
    case VT.EvtXml:
      throw new EvtxFormatError('bad-value', `unsupported value type 0x${t.toString(16)}`, off);
    default: {
      const w = FIXED_SIZE[t];
      if (w === undefined) throw new EvtxFormatError('bad-value', `unknown value type 0x${t.toString(16)}`, off);
      if (size < w) throw new EvtxFormatError('bad-value', `value of type 0x${t.toString(16)} needs ${w} bytes, has ${size}`, off);
      return { k: 3, t, v: scalar(v, t, off, size) };
    }
  }
}

/** A value token's payload (MS-EVEN6 §2.2.12 "Value text"): returns the value and its byte length. */
export function readValueToken(v: ByteView, t: number, off: number): { value: BinValue; len: number } {
  if (t === VT.String) {
    const n = u16(v, off, 'value.length');
    return { value: { k: 3, t, v: utf16(v, off + 2, n, 'value text') }, len: 2 + n * 2 };
  }
  if (t === VT.Sid) {
    const n = sidSize(v, off);
    return { value: readSizedValue(v, t, off, n), len: n };
  }
  const w = t === VT.SizeT ? 8 : FIXED_SIZE[t];
  if (w === undefined) throw new EvtxFormatError('bad-value', `unsupported value token type 0x${t.toString(16)}`, off);
  return { value: readSizedValue(v, t, off, w), len: w };
}

function scalarText(t: number, x: Scalar): string {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' && (t === VT.Real32 || t === VT.Real64)) return floatText(x, t === VT.Real32);
  if (x === null) return '';
  return String(x);
}

/** The value as XML/JSON text (no escaping). */
export function valueText(val: BinValue): string {
  const x = val.v;
  if (Array.isArray(x)) {
    const base = val.t & 0x7f;
    let s = '';
    for (let i = 0; i < x.length; i++) s += (i > 0 ? ',' : '') + scalarText(base, x[i] as Scalar);
    return s;
  }
  if (typeof x === 'object' && x !== null) return '';
  return scalarText(val.t, x);
}

/** True for values that an optional substitution drops (evtx crate `is_optional_empty`). */
export function isOptionalEmpty(val: BinValue): boolean {
  const x = val.v;
  if (val.t === VT.Null) return true;
  if (Array.isArray(x)) return x.length === 0;
  if (val.t === VT.String || val.t === VT.AnsiString || val.t === VT.Binary) return x === '';
  if (val.t === VT.BinXml) return (x as NestedBinXml).size === 0;
  return false;
}

/** Integers and booleans render as JSON numbers/booleans; everything else as text. */
export function jsonScalar(val: BinValue): number | bigint | boolean | undefined {
  const t = val.t;
  if (t >= VT.Int8 && t <= VT.UInt64) return val.v as number | bigint;
  if (t === VT.Bool) return val.v as boolean;
  return undefined;
}

/** Item `i` of an array value as a scalar value (used for element repetition). */
export function arrayItem(val: BinValue, i: number): BinValue {
  const items = val.v as readonly Scalar[];
  return { k: 3, t: val.t & 0x7f, v: items[i] ?? null };
}
