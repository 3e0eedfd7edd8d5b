/**
 * Rows in ClickHouse's RowBinary format, written straight into one growing buffer: the fastest
 * insert format for the server to read (no text parsing, no escaping) and for us to write (no JSON
 * of the row). DateTime as UInt32, Int64 and UInt64 little-endian, strings and arrays as a LEB128
 * length then their bytes / elements.
 *
 * A row holds ~130 short strings (field names, keys, values): Buffer#write costs ~0.1 µs a call
 * whatever the length, so short ASCII strings are copied code unit by code unit instead.
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
  varint(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
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
    const len = s.length;
    if (len < 0x80) {
      // Short: ASCII copied unit by unit after a one-byte length; the first other unit falls through.
      this.room(len + 1);
      const buf = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === len) {
        buf[this.pos] = len;
        this.pos = p;
        return;
      }
    }
    // At most 3 bytes per UTF-16 unit. Written after a one-byte length, moved when it needs more.
    const max = len * 3;
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
  /** A string given as its UTF-8 bytes `b[start..end)`. */
  utf8(b: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.varint(n);
    this.room(n);
    // Buffer#copy: a memcpy; Buffer#subarray for set() would build a Buffer through its species.
    if (Buffer.isBuffer(b)) b.copy(this.buf, this.pos, start, end);
    else this.buf.set(new Uint8Array(b.buffer, b.byteOffset + start, n), this.pos);
    this.pos += n;
  }
  strings(a: readonly string[], count = a.length): void {
    this.varint(count);
    for (let i = 0; i < count; i++) this.str(a[i] as string);
  }
  bytesArray(a: readonly number[], count = a.length): void {
    this.varint(count);
    this.room(count);
    for (let i = 0; i < count; i++) this.buf[this.pos++] = a[i] as number;
  }
}
