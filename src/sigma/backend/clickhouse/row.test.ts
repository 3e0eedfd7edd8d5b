/**
 * The loader's row writer (writeEventRow) against the reference row (eventRow, written by
 * writeRowBinary): the same bytes for every event, whether the raw column comes from the line's own
 * bytes (text already in JSON.stringify's form) or from JSON.stringify. And the check that decides
 * it (isStringifyForm) against JSON.stringify itself, on texts that differ from it in every way the
 * check knows of, and on random JSON written both ways.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventRow, RowBinaryWriter, writeEventRow, writeRowBinary } from './row.ts';
import { isStringifyForm } from './stringify-form.ts';

const stringified = (text: string): boolean => JSON.stringify(JSON.parse(text)) === text;
const check = (text: string): boolean => {
  const b = Buffer.from(text);
  return isStringifyForm(b, 0, b.length, JSON.parse(text));
};

/** Texts JSON.stringify would write otherwise (and some it writes as they are). */
const CASES = [
  '{"a":1}',
  '{"a": 1}',
  ' {"a":1}',
  '{"a":1}\t',
  '{"a":"x\\/y"}',
  '{"a":"\\u0041"}',
  '{"a":"\\u001F"}',
  '{"a":"\\u001f"}',
  '{"a":"\\u0008"}',
  '{"a":"\\b\\f\\n\\r\\t\\"\\\\"}',
  '{"a":"\\ud800"}',
  '{"a":"\\ud83d\\ude00"}',
  '{"a":"é ü 😀"}',
  '{"a":1.0}',
  '{"a":1.5}',
  '{"a":1e3}',
  '{"a":-0}',
  '{"a":0}',
  '{"a":-12}',
  '{"a":012}'.replace('012', '12'),
  '{"a":123456789012345}',
  '{"a":1234567890123456789}',
  '{"a":9007199254740993}',
  '{"b":1,"1":2}',
  '{"1":2,"b":1}',
  '{"1a":2}',
  '{"a":1,"a":2}',
  '{"a":{"x":1},"b":{"x":1,"x":1}}',
  '{"__proto__":1}',
  '[1,"a",null,true,false,{"k":[]}]',
  '"text"',
  '{"a":[]}',
  '{"":""}',
  '{"a":"\u007f"}',
];

describe('isStringifyForm', () => {
  it.each(CASES)('%s: only when JSON.stringify gives it back', (text) => {
    // Where the check says yes, it must be right; where JSON.stringify keeps the text, say why not.
    if (check(text)) expect(stringified(text)).toBe(true);
    else expect(!stringified(text) || isRefusedOnPurpose(text), `${text} is JSON.stringify's form but was refused`).toBe(true);
  });

  it('refuses bytes that are not UTF-8 (decoding would change them)', () => {
    const b = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const parsed = JSON.parse(b.toString('utf8')) as unknown;
    expect(isStringifyForm(b, 0, b.length, parsed)).toBe(false);
  });

  it('agrees with JSON.stringify on random JSON, written compactly and otherwise', () => {
    let seed = 17;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const strs = ['a', 'Channel', 'x y', 'C:\\Windows\\x.exe', 'q"u', 'é', '\n', '\u0001', '0', '12', 'ab_c'];
    const value = (d: number): unknown => {
      const k = rnd(d > 3 ? 5 : 8);
      if (k === 0) return strs[rnd(strs.length)];
      if (k === 1) return rnd(2) === 0 ? rnd(100000) - 500 : rnd(1000) / 8;
      if (k === 2) return [true, false, null][rnd(3)];
      if (k === 3) return strs[rnd(strs.length)] + String(rnd(10));
      if (k === 4) return rnd(10);
      if (k === 5) return Array.from({ length: rnd(4) }, () => value(d + 1));
      const o: Record<string, unknown> = {};
      for (let i = rnd(5); i > 0; i--) o[strs[rnd(strs.length)] as string] = value(d + 1);
      return o;
    };
    let compact = 0;
    for (let i = 0; i < 3000; i++) {
      const v = { e: value(0) };
      const texts = [JSON.stringify(v), JSON.stringify(v, null, rnd(2) === 0 ? 1 : '\t')];
      // A repeated key, an index-like key first, a float written with a trailing zero.
      texts.push(texts[0]!.replace('{"e":', '{"e":0,"e":'), texts[0]!.replace('{"e":', '{"7":1,"e":'), texts[0]!.replace(/(\d)\.(\d+)/, '$1.$20'));
      for (const t of texts) {
        const ok = check(t);
        if (ok) expect(stringified(t), t).toBe(true);
        if (t === texts[0]) {
          // Compact stringify output is taken unless it holds what the check refuses on purpose.
          if (!isRefusedOnPurpose(t)) expect(ok, t).toBe(true);
          if (ok) compact++;
        }
      }
    }
    expect(compact).toBeGreaterThan(1000);
  });
});

/** What the check refuses though JSON.stringify would write it as it is: keys starting with a digit, fractions, escaped surrogates. */
function isRefusedOnPurpose(text: string): boolean {
  return /"\d[^"]*":/.test(text) || /[:,[]-?\d+\.\d/.test(text) || /\\ud[89a-f]/.test(text);
}

/** The regression events of ../shared/data/sigma-regression (112 real Windows and other events). */
function regressionLines(): string[] {
  const dir = path.resolve(__dirname, '../../../../../shared/data/sigma-regression');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.json')) {
        const text = readFileSync(p, 'utf8');
        let depth = 0;
        let start = -1;
        let inStr = false;
        let esc = false;
        for (let i = 0; i < text.length; i++) {
          const c = text[i];
          if (inStr) {
            if (esc) esc = false;
            else if (c === '\\') esc = true;
            else if (c === '"') inStr = false;
          } else if (c === '"') inStr = true;
          else if (c === '{' && depth++ === 0) start = i;
          else if (c === '}' && --depth === 0) out.push(text.slice(start, i + 1));
        }
      }
    }
  };
  walk(dir);
  return out;
}

describe('writeEventRow', () => {
  const reference = (event: unknown, line: number): Buffer => {
    const w = new RowBinaryWriter(1 << 16);
    writeRowBinary(eventRow(event, 'f.ndjson', line), w);
    return Buffer.from(w.take());
  };
  const written = (event: unknown, line: number, json?: Buffer): Buffer => {
    const w = new RowBinaryWriter(1 << 10);
    writeEventRow(w, event, 'f.ndjson', line, json, 0, json?.length);
    expect(w.rows).toBe(1);
    return Buffer.from(w.take());
  };

  it('writes the reference row of every regression event, from its compact line and from pretty JSON', () => {
    const lines = regressionLines();
    expect(lines.length).toBeGreaterThan(100);
    let fromBytes = 0;
    lines.forEach((pretty, i) => {
      const event = JSON.parse(pretty) as unknown;
      const compact = Buffer.from(JSON.stringify(event));
      const want = reference(event, i + 1);
      expect(written(event, i + 1, compact).equals(want)).toBe(true);
      expect(written(event, i + 1, Buffer.from(pretty)).equals(want)).toBe(true);
      expect(written(event, i + 1).equals(want)).toBe(true);
      if (isStringifyForm(compact, 0, compact.length, event)) fromBytes++;
    });
    // The bytes of the line are what most rows' raw column is made of.
    expect(fromBytes).toBeGreaterThan(lines.length * 0.9);
  });

  it('takes JSON.stringify for the raw column when the line is written otherwise', () => {
    for (const text of CASES.filter((t) => t.startsWith('{'))) {
      const event = JSON.parse(text) as unknown;
      expect(written(event, 3, Buffer.from(text)).equals(reference(event, 3)), text).toBe(true);
    }
  });

  it('writes strings of every length and script as the reference does', () => {
    for (const s of ['', 'a', 'x'.repeat(127), 'x'.repeat(128), 'é'.repeat(60), 'é'.repeat(70), 'a😀'.repeat(40), 'y'.repeat(20000), '\u0000\u007f\u0080']) {
      const event = { Event: { System: { Channel: s, EventID: 1, Computer: s }, EventData: { V: s, [s]: 'k' } } };
      expect(written(event, 1, Buffer.from(JSON.stringify(event))).equals(reference(event, 1)), s.slice(0, 20)).toBe(true);
    }
  });
});
