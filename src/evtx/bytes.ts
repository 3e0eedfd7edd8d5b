/**
 * Labelled, bounds-checked little-endian reads over one buffer (a chunk or the file header).
 * Every read names what it reads, so a damaged file yields "record.size at 0x1234: need 4, have 2"
 * instead of a RangeError. Callers catch {@link EvtxFormatError} per record or per chunk.
 */

/** What went wrong while decoding; the parser turns these into warnings. */
export type EvtxErrorCode = 'truncated' | 'bad-magic' | 'bad-value' | 'bad-token' | 'too-deep' | 'too-large';

export class EvtxFormatError extends Error {
  readonly code: EvtxErrorCode;
  /** Offset inside the buffer being decoded (chunk-relative inside a chunk). */
  readonly offset: number;

  constructor(code: EvtxErrorCode, message: string, offset: number) {
    super(message);
    this.name = 'EvtxFormatError';
    this.code = code;
    this.offset = offset;
  }
}

/** A buffer plus a DataView over the same bytes and the end of the readable window. */
export interface ByteView {
  readonly b: Uint8Array;
  /** The same bytes as a Buffer (for native UTF-16 decoding). */
  readonly buf: Buffer;
  readonly dv: DataView;
  /** First offset that may not be read (≤ b.length). */
  readonly end: number;
}

export function byteView(b: Uint8Array, end: number = b.length): ByteView {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return { b, buf, dv: new DataView(b.buffer, b.byteOffset, b.byteLength), end: Math.min(end, b.length) };
}

export function need(v: ByteView, off: number, n: number, what: string): void {
  if (off < 0 || off + n > v.end) {
    throw new EvtxFormatError('truncated', `${what} at 0x${off.toString(16)}: need ${n} bytes, have ${Math.max(0, v.end - off)}`, off);
  }
}

export function u8(v: ByteView, off: number, what: string): number {
  if (off < 0 || off >= v.end) need(v, off, 1, what);
  return v.b[off]!;
}

export function u16(v: ByteView, off: number, what: string): number {
  if (off < 0 || off + 2 > v.end) need(v, off, 2, what);
  return v.dv.getUint16(off, true);
}

export function u32(v: ByteView, off: number, what: string): number {
  if (off < 0 || off + 4 > v.end) need(v, off, 4, what);
  return v.dv.getUint32(off, true);
}

/** Unsigned 64-bit as a number when it is exact (< 2^53), else as a bigint. */
export function u64(v: ByteView, off: number, what: string): number | bigint {
  if (off < 0 || off + 8 > v.end) need(v, off, 8, what);
  const lo = v.dv.getUint32(off, true);
  const hi = v.dv.getUint32(off + 4, true);
  return hi < 0x200000 ? hi * 0x100000000 + lo : v.dv.getBigUint64(off, true);
}

/** Signed 64-bit as a number when it is exact, else as a bigint. */
export function i64(v: ByteView, off: number, what: string): number | bigint {
  if (off < 0 || off + 8 > v.end) need(v, off, 8, what);
  const lo = v.dv.getUint32(off, true);
  const hi = v.dv.getInt32(off + 4, true);
  return hi >= -0x200000 && hi < 0x200000 ? hi * 0x100000000 + lo : v.dv.getBigInt64(off, true);
}

/** `count` UTF-16LE code units starting at `off`. */
export function utf16(v: ByteView, off: number, count: number, what: string): string {
  const n = count * 2;
  if (off < 0 || off + n > v.end) need(v, off, n, what);
  if (count < 8) {
    let s = '';
    const b = v.b;
    for (let i = off, e = off + n; i < e; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
    return s;
  }
  return v.buf.toString('utf16le', off, off + n);
}

/** True when the 8 bytes at `off` spell `magic` (an ASCII string of 8 characters incl. NUL). */
export function hasMagic(b: Uint8Array, off: number, magic: string): boolean {
  if (off + magic.length > b.length) return false;
  for (let i = 0; i < magic.length; i++) if (b[off + i] !== magic.charCodeAt(i)) return false;
  return true;
}
