/** Value decoding and text forms (MS-EVEN6 §2.2.18; the evtx crate's value_render.rs). */
import { describe, expect, it } from 'vitest';
import { byteView, EvtxFormatError } from '../bytes.ts';
import { filetimeText, floatText, isOptionalEmpty, readSizedValue, readValueToken, valueText } from './values.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const text = (type: number, bytes: Uint8Array): string => valueText(readSizedValue(byteView(bytes), type, 0, bytes.length));

describe('BinXML values', () => {
  it('GUID: data1–3 little-endian, upper case, no braces', () => {
    expect(text(0x0f, hex('5F387057 2AC2 E043 BF4C 06F5698FFBD9'))).toBe('5770385F-C22A-43E0-BF4C-06F5698FFBD9');
  });

  it('SID: revision, big-endian authority, little-endian sub-authorities', () => {
    expect(text(0x13, hex('01 01 000000000005 12000000'))).toBe('S-1-5-18');
    expect(text(0x13, hex('01 05 000000000005 15000000 ca0b1e0b 5114effa 125c9c06 f4010000'))).toBe('S-1-5-21-186518474-4209972305-110910482-500');
    expect(text(0x13, hex('0100'))).toBe('S-?');
  });

  it('FILETIME: microseconds, truncated', () => {
    // 2025-11-27T07:40:10.1653245Z
    const ticks = (BigInt(Date.UTC(2025, 10, 27, 7, 40, 10, 165)) + 11644473600000n) * 10000n + 3245n;
    expect(filetimeText(Number(ticks & 0xffffffffn), Number(ticks >> 32n))).toBe('2025-11-27T07:40:10.165324Z');
    expect(filetimeText(0, 0)).toBe('1601-01-01T00:00:00.000000Z');
    expect(() => filetimeText(0xffffffff, 0xffffffff)).toThrow(EvtxFormatError);
  });

  it('SYSTEMTIME: milliseconds as six digits; impossible dates are errors', () => {
    const st = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): Uint8Array => {
      const b = Buffer.alloc(16);
      [y, mo, 0, d, h, mi, s, ms].forEach((v, i) => b.writeUInt16LE(v, i * 2));
      return b;
    };
    expect(text(0x12, st(2024, 2, 29, 23, 59, 58, 7))).toBe('2024-02-29T23:59:58.007000Z');
    expect(() => text(0x12, st(2023, 2, 29, 0, 0, 0, 0))).toThrow(/SYSTEMTIME/);
  });

  it('integers of every width, signed and unsigned', () => {
    expect(text(0x03, hex('ff'))).toBe('-1');
    expect(text(0x04, hex('ff'))).toBe('255');
    expect(text(0x05, hex('00 80'))).toBe('-32768');
    expect(text(0x06, hex('ff ff'))).toBe('65535');
    expect(text(0x07, hex('feffffff'))).toBe('-2');
    expect(text(0x08, hex('ffffffff'))).toBe('4294967295');
    expect(text(0x09, hex('0000000000000080'))).toBe('-9223372036854775808');
    expect(text(0x0a, hex('ffffffffffffffff'))).toBe('18446744073709551615');
    expect(readSizedValue(byteView(hex('0100000000000000')), 0x0a, 0, 8).v).toBe(1);
  });

  it('hex integers and size_t are lower-case 0x…', () => {
    expect(text(0x14, hex('e7030000'))).toBe('0x3e7');
    expect(text(0x15, hex('0000000000000080'))).toBe('0x8000000000000000');
    expect(text(0x15, hex('0000000000000000'))).toBe('0x0');
    expect(text(0x10, hex('10000000'))).toBe('0x10');
    expect(text(0x10, hex('0000000001000000'))).toBe('0x100000000');
  });

  it('floats: shortest text that reads back as the same value', () => {
    expect(text(0x0b, Buffer.from(new Float32Array([1.1]).buffer))).toBe('1.1');
    expect(text(0x0c, Buffer.from(new Float64Array([0.1 + 0.2]).buffer))).toBe('0.30000000000000004');
    expect(floatText(1e21, false)).toBe('1e21');
    expect(floatText(Number.NaN, false)).toBe('NaN');
  });

  it('bool, binary, ANSI string', () => {
    expect(text(0x0d, hex('01000000'))).toBe('true');
    expect(text(0x0d, hex('00000000'))).toBe('false');
    expect(text(0x0e, hex('00ab10'))).toBe('00AB10');
    expect(text(0x02, Buffer.from('abc\0zz\0', 'latin1'))).toBe('abczz');
    expect(text(0x02, hex('80 e9 93 94'))).toBe('\u20ac\u00e9\u201c\u201d');
  });

  it('arrays render comma-separated', () => {
    expect(text(0x81, Buffer.from('a\0bc\0', 'utf16le'))).toBe('a,bc');
    expect(text(0x86, hex('0100 0200 0300'))).toBe('1,2,3');
    expect(text(0x94, hex('01000000 ff000000'))).toBe('0x1,0xff');
    expect(text(0x8f, hex('5F3870572AC2E043BF4C06F5698FFBD9 00000000000000000000000000000000'))).toBe(
      '5770385F-C22A-43E0-BF4C-06F5698FFBD9,00000000-0000-0000-0000-000000000000',
    );
    expect(text(0x93, hex('010100000000000512000000 010100000000000513000000'))).toBe('S-1-5-18,S-1-5-19');
  });

  it('value tokens carry their own length', () => {
    const r = readValueToken(byteView(Buffer.concat([hex('0300'), Buffer.from('abc', 'utf16le')])), 0x01, 0);
    expect(r.value.v).toBe('abc');
    expect(r.len).toBe(8);
  });

  it('optional-empty: null, empty strings, empty binary and arrays', () => {
    const v = (t: number, b: Uint8Array): boolean => isOptionalEmpty(readSizedValue(byteView(b), t, 0, b.length));
    expect(v(0x00, hex(''))).toBe(true);
    expect(v(0x01, hex(''))).toBe(true);
    expect(v(0x01, hex('0000'))).toBe(true);
    expect(v(0x0e, hex(''))).toBe(true);
    expect(v(0x81, hex(''))).toBe(true);
    expect(v(0x08, hex('00000000'))).toBe(false);
  });

  it('short or unknown values are errors, not garbage', () => {
    expect(() => readSizedValue(byteView(hex('0100')), 0x08, 0, 2)).toThrow(EvtxFormatError);
    expect(() => readSizedValue(byteView(hex('01')), 0x08, 0, 4)).toThrow(/need 4 bytes, have 1/);
    expect(() => readSizedValue(byteView(hex('01')), 0x42, 0, 1)).toThrow(/unknown value type/);
    expect(() => readSizedValue(byteView(hex('410042')), 0x01, 0, 3)).toThrow(/odd size/);
    expect(() => readSizedValue(byteView(hex('0100')), 0x10, 0, 2)).toThrow(/size_t/);
  });
});
