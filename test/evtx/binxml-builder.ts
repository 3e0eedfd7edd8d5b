/**
 * A tiny EVTX writer for tests: hand-made BinXML records (elements, attributes, text, template
 * instances with typed substitution values) in a valid chunk behind a valid file header, so unit
 * tests can pin one rendering rule at a time. Names and template definitions are written inline.
 */
import { crc32 } from 'node:zlib';
import { fileHeader } from './fixtures.ts';

export type Tok =
  | { el: string; attrs?: [string, Tok[]][]; children?: Tok[] }
  | { text: string }
  | { sub: number; type: number; optional?: boolean }
  | { entity: string }
  | { charRef: number }
  | { cdata: string }
  | { template: Tok; values: Val[] }
  /** A template instance whose definition is elsewhere in the chunk (at `templateRef`). */
  | { templateRef: number; values: Val[] };

/** A substitution value: wire type and raw bytes (or a nested record body for BinXml 0x21). */
export type Val = { type: number; bytes: Uint8Array } | { type: 0x21; binxml: Tok };

class Out {
  readonly b: number[] = [];
  readonly base: number;
  constructor(base: number) {
    this.base = base;
  }
  get pos(): number {
    return this.base + this.b.length;
  }
  u8(x: number): void {
    this.b.push(x & 0xff);
  }
  u16(x: number): void {
    this.u8(x);
    this.u8(x >> 8);
  }
  u32(x: number): void {
    this.u16(x & 0xffff);
    this.u16(x >>> 16);
  }
  raw(x: ArrayLike<number>): void {
    for (let i = 0; i < x.length; i++) this.b.push(x[i]!);
  }
  utf16(s: string): void {
    for (let i = 0; i < s.length; i++) this.u16(s.charCodeAt(i));
  }
  /** Name offset pointing right behind itself, then the name structure (inline name). */
  inlineName(s: string): void {
    this.u32(this.pos + 4);
    this.u32(0);
    this.u16(0);
    this.u16(s.length);
    this.utf16(s);
    this.u16(0);
  }
  patch32(at: number, x: number): void {
    const i = at - this.base;
    this.b[i] = x & 0xff;
    this.b[i + 1] = (x >> 8) & 0xff;
    this.b[i + 2] = (x >> 16) & 0xff;
    this.b[i + 3] = (x >>> 24) & 0xff;
  }
}

/** `depId`: inside a template definition, where open-start-element tokens carry a dependency id. */
function writeTok(o: Out, t: Tok, depId = false): void {
  if ('el' in t) {
    const attrs = t.attrs ?? [];
    o.u8(attrs.length > 0 ? 0x41 : 0x01);
    if (depId) o.u16(0);
    o.u32(0);
    o.inlineName(t.el);
    if (attrs.length > 0) o.u32(0);
    attrs.forEach(([name, value], i) => {
      o.u8(i < attrs.length - 1 ? 0x46 : 0x06);
      o.inlineName(name);
      for (const v of value) writeTok(o, v, depId);
    });
    const children = t.children ?? [];
    if (children.length === 0) {
      o.u8(0x03);
      return;
    }
    o.u8(0x02);
    for (const c of children) writeTok(o, c, depId);
    o.u8(0x04);
  } else if ('text' in t) {
    o.u8(0x05);
    o.u8(0x01);
    o.u16(t.text.length);
    o.utf16(t.text);
  } else if ('sub' in t) {
    o.u8(t.optional === true ? 0x0e : 0x0d);
    o.u16(t.sub);
    o.u8(t.type);
  } else if ('entity' in t) {
    o.u8(0x09);
    o.inlineName(t.entity);
  } else if ('charRef' in t) {
    o.u8(0x08);
    o.u16(t.charRef);
  } else if ('cdata' in t) {
    o.u8(0x07);
    o.u16(t.cdata.length);
    o.utf16(t.cdata);
  } else if ('templateRef' in t) {
    o.u8(0x0c);
    o.u8(1);
    o.u32(0);
    o.u32(t.templateRef);
    writeValues(o, t.values);
  } else {
    o.u8(0x0c);
    o.u8(1);
    o.u32(0);
    o.u32(o.pos + 4);
    o.u32(0);
    o.raw(new Uint8Array(16));
    const sizeAt = o.pos;
    o.u32(0);
    const start = o.pos;
    o.raw([0x0f, 1, 1, 0]);
    writeTok(o, t.template, true);
    o.u8(0x00);
    o.patch32(sizeAt, o.pos - start);
    writeValues(o, t.values);
  }
}

function writeValues(o: Out, values: readonly Val[]): void {
  o.u32(values.length);
  const descAt = o.pos;
  for (let i = 0; i < values.length; i++) o.u32(0);
  values.forEach((v, i) => {
    const at = o.pos;
    if ('binxml' in v) {
      o.raw([0x0f, 1, 1, 0]);
      writeTok(o, v.binxml);
      o.u8(0x00);
    } else o.raw(v.bytes);
    const size = o.pos - at;
    o.patch32(descAt + i * 4, size | (v.type << 16));
  });
}

/** Record bytes at chunk offset `at`: header, fragment header, `body`, end of fragment, size copy. */
function recordBytes(at: number, id: number, body: Tok): number[] {
  const o = new Out(at);
  o.u32(0x2a2a);
  o.u32(0);
  o.u32(id);
  o.u32(0);
  // 2021-01-02T03:04:05.123456Z as FILETIME
  const ticks = (BigInt(Date.UTC(2021, 0, 2, 3, 4, 5, 123)) + 11644473600000n) * 10000n + 4560n;
  o.u32(Number(ticks & 0xffffffffn));
  o.u32(Number(ticks >> 32n));
  o.raw([0x0f, 1, 1, 0]);
  writeTok(o, body);
  o.u8(0x00);
  while ((o.b.length + 4) % 8 !== 0) o.u8(0);
  const size = o.b.length + 4;
  o.u32(size);
  o.patch32(at + 4, size);
  return o.b;
}

/** One chunk holding `bodies` as records 1…n, CRCs set. */
export function chunkWith(bodies: Tok[]): Buffer {
  const c = Buffer.alloc(65536);
  c.write('ElfChnk\0', 0, 'latin1');
  let at = 512;
  let last = 512;
  bodies.forEach((body, i) => {
    const r = recordBytes(at, i + 1, body);
    Buffer.from(r).copy(c, at);
    last = at;
    at += r.length;
  });
  c.writeBigUInt64LE(1n, 8);
  c.writeBigUInt64LE(BigInt(bodies.length), 16);
  c.writeBigUInt64LE(1n, 24);
  c.writeBigUInt64LE(BigInt(bodies.length), 32);
  c.writeUInt32LE(128, 40);
  c.writeUInt32LE(last, 44);
  c.writeUInt32LE(at, 48);
  c.writeUInt32LE(crc32(c.subarray(512, at)), 52);
  c.writeUInt32LE(crc32(c.subarray(128, 512), crc32(c.subarray(0, 120))), 124);
  return c;
}

/** A whole EVTX file with one chunk holding `bodies`. */
export function evtxWith(...bodies: Tok[]): Buffer {
  return Buffer.concat([fileHeader(1), chunkWith(bodies)]);
}

// Value helpers ------------------------------------------------------------------------------

export function utf16z(s: string): Uint8Array {
  const b = Buffer.alloc(s.length * 2 + 2);
  b.write(s, 0, 'utf16le');
  return b;
}

export function le(n: number | bigint, width: 1 | 2 | 4 | 8): Uint8Array {
  const b = Buffer.alloc(width);
  if (width === 8) b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n)));
  else if (width === 4) b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(n))));
  else if (width === 2) b.writeUInt16LE(Number(BigInt.asUintN(16, BigInt(n))));
  else b.writeUInt8(Number(BigInt.asUintN(8, BigInt(n))));
  return b;
}

export const str = (s: string): Val => ({ type: 0x01, bytes: utf16z(s) });
export const u32v = (n: number): Val => ({ type: 0x08, bytes: le(n, 4) });
export const nul = (): Val => ({ type: 0x00, bytes: new Uint8Array(0) });
