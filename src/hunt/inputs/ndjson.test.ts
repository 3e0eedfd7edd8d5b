/** NDJSON splitting across read chunks: lines cut anywhere (even in a UTF-8 sequence), lines longer than a chunk, CRLF, BOM, blanks, no final newline; batches bounded. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BATCH, readNdjson } from './ndjson.ts';
import { nestedDeeperThan } from './reader.ts';
import type { InputItem, LogFile } from './reader.ts';

function fileOf(chunks: Buffer[]): LogFile {
  const all = Buffer.concat(chunks);
  return { path: 'x.ndjson', head: all.subarray(0, 64), rawHead: all.subarray(0, 64), gzip: false, size: all.length, open: () => Readable.from(chunks), bytesRead: () => 0 };
}

async function read(chunks: Buffer[]): Promise<{ items: InputItem[]; batches: number[] }> {
  const items: InputItem[] = [];
  const batches: number[] = [];
  for await (const b of readNdjson(fileOf(chunks))) {
    batches.push(b.length);
    items.push(...b);
  }
  return { items, batches };
}

/** Cuts `text` into chunks at the given byte sizes, repeating the last size. */
function cut(text: string, sizes: number[]): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  let at = 0;
  for (let k = 0; at < b.length; k++) {
    const n = sizes[Math.min(k, sizes.length - 1)]!;
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('readNdjson', () => {
  const lines = ['\uFEFF{"a":1}', '{"b":"é€😀"}', '', '  ', '{"c":"' + 'x'.repeat(300) + '"}\r', 'not json', '{"d":4}'];
  const text = lines.join('\n');
  it.each([[[1]], [[2]], [[3]], [[7]], [[64]], [[1000]], [[5, 1, 300, 2]]])('chunks of %j bytes', async (sizes) => {
    const { items } = await read(cut(text, sizes));
    expect(items.map((i) => (i.kind === 'event' ? [i.line, i.event] : [i.line, 'problem']))).toEqual([
      [1, { a: 1 }],
      [2, { b: 'é€😀' }],
      [5, { c: 'x'.repeat(300) }],
      [6, 'problem'],
      [7, { d: 4 }],
    ]);
  });
  it('yields batches of at most BATCH events', async () => {
    const many = Array.from({ length: BATCH * 3 + 5 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n';
    const { items, batches } = await read(cut(many, [100_000]));
    expect(items).toHaveLength(BATCH * 3 + 5);
    expect(Math.max(...batches)).toBeLessThanOrEqual(BATCH);
  });
});

describe('nestedDeeperThan', () => {
  const nest = (levels: number, open: string, close: string, inner = '1'): unknown => JSON.parse(`${open.repeat(levels)}${inner}${close.repeat(levels)}`);
  it('counts the event itself as one level, objects and arrays alike', () => {
    expect(nestedDeeperThan(nest(100, '[', ']'), 100)).toBe(false);
    expect(nestedDeeperThan(nest(101, '[', ']'), 100)).toBe(true);
    expect(nestedDeeperThan(nest(100, '{"a":', '}'), 100)).toBe(false);
    expect(nestedDeeperThan(nest(101, '{"a":', '}'), 100)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: [1, { c: [[]] }], d: 'x' }, 5)).toBe(false);
    expect(nestedDeeperThan({ a: 1, b: [1, { c: [[]] }], d: 'x' }, 4)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });
  it('is safe on 20,000 levels', () => {
    expect(nestedDeeperThan(nest(20000, '[', ']'), 100)).toBe(true);
  });
});
