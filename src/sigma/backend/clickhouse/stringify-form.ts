/**
 * Whether JSON text is byte for byte what `JSON.stringify(JSON.parse(text))` gives back, checked on
 * the UTF-8 bytes without stringifying. The loader stores an event's `raw` column as
 * `JSON.stringify(event)`; when the line read already is that text (as every line a JSON.stringify
 * wrote is), its bytes are copied instead: no second pass over the event, no UTF-8 encoding.
 *
 * The check is conservative: anything JSON.stringify might write differently answers false and the
 * caller stringifies as before. Differences it rules out:
 *   - whitespace between tokens;
 *   - string escapes JSON.stringify does not write (`\/`, `\u0041`, upper-case hex, escaped
 *     surrogates): only `\" \\ \b \f \n \r \t` and `\u00xx` (lower case) below 0x20 are kept;
 *   - bytes that are not valid UTF-8 (decoding would put U+FFFD in their place);
 *   - numbers other than plain integers of at most 15 digits (`1.0`, `1e3`, `-0`, big integers);
 *   - keys that look like array indices (V8 lists them first, in numeric order);
 *   - repeated keys in one object (JSON.parse keeps one): the keys of the text are counted and
 *     compared with the parsed value's own keys.
 */
import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** The number of own keys of every object in a parsed JSON value. */
function keyCount(v: unknown, depth: number): number {
  if (typeof v !== 'object' || v === null || depth > 200) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) n += keyCount(x, depth + 1);
    return n;
  }
  const o = v as Record<string, unknown>;
  for (const k in o) {
    n++;
    n += keyCount(o[k], depth + 1);
  }
  return n;
}

const hex = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

/**
 * True when `b[start..end)`, JSON that JSON.parse read as `parsed`, is exactly the UTF-8 of
 * JSON.stringify(parsed). (Syntax is not checked again: the text must already have parsed.)
 */
export function isStringifyForm(b: Uint8Array, start: number, end: number, parsed: unknown): boolean {
  let keys = 0;
  let nonAscii = false;
  let i = start;
  while (i < end) {
    const c = b[i] as number;
    if (c === QUOTE) {
      const first = i + 1;
      i++;
      for (;;) {
        if (i >= end) return false;
        const d = b[i] as number;
        if (d === QUOTE) break;
        if (d >= 0x80) nonAscii = true;
        else if (d === BACKSLASH) {
          const e = b[i + 1];
          if (e === 0x75) {
            // \u00xx below 0x20 other than \b \t \n \f \r, lower case: JSON.stringify's form.
            if (b[i + 2] !== 0x30 || b[i + 3] !== 0x30) return false;
            const h = hex(b[i + 4] as number);
            const l = hex(b[i + 5] as number);
            if (h < 0 || h > 1 || l < 0) return false;
            const code = h * 16 + l;
            if (code === 8 || code === 9 || code === 10 || code === 12 || code === 13) return false;
            i += 6;
            continue;
          }
          if (e !== QUOTE && e !== BACKSLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return false;
          i += 2;
          continue;
        }
        i++;
      }
      // i is at the closing quote. A key: followed by a colon; one like an array index is not kept.
      i++;
      if (b[i] === COLON) {
        keys++;
        const k0 = b[first] as number;
        if (k0 >= 0x30 && k0 <= 0x39) return false;
        i++;
      }
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      // An integer of 1-15 digits, no leading zero, not -0; anything else may be rewritten.
      let j = c === 0x2d ? i + 1 : i;
      const digits = j;
      while (j < end && (b[j] as number) >= 0x30 && (b[j] as number) <= 0x39) j++;
      const n = j - digits;
      if (n === 0 || n > 15) return false;
      if (b[digits] === 0x30 && (n > 1 || c === 0x2d)) return false;
      const next = b[j];
      if (next === 0x2e || next === 0x65 || next === 0x45) return false;
      i = j;
      continue;
    }
    // Structure and literals pass; whitespace does not.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) return false;
    i++;
  }
  if (nonAscii && !isUtf8(b.subarray(start, end))) return false;
  return keys === keyCount(parsed, 0);
}
