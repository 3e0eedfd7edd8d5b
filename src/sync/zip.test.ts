import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkZip, packZip, readZip, zipEntryNames } from './zip.ts';

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('zip archives in memory', () => {
  it('packs the same files to the same bytes whatever their order, and reads them back', () => {
    const a = packZip([
      { name: 'rules/b.yml', data: text('b') },
      { name: 'rules/a.yml', data: text('a') },
    ]);
    const b = packZip([
      { name: 'rules/a.yml', data: text('a') },
      { name: 'rules/b.yml', data: text('b') },
    ]);
    expect(a.equals(b)).toBe(true);
    expect(zipEntryNames(a, 'x.zip')).toEqual(['rules/a.yml', 'rules/b.yml']);
    expect(readZip(a, 'x.zip', { select: (n) => n.endsWith('b.yml') }).map((e) => [e.name, Buffer.from(e.data).toString()])).toEqual([['rules/b.yml', 'b']]);
  });

  it('refuses what is not a whole zip, naming the source', () => {
    const zip = zipSync({ 'rules/a.yml': text('title: a\n'.repeat(100)) });
    expect(() => checkZip(zip, 'x.zip')).not.toThrow();
    expect(() => checkZip(zip.subarray(0, zip.length - 30), 'cut.zip')).toThrow(/not a readable zip archive .*is the file truncated\?/);
    expect(() => checkZip(text('{"not": "a zip"}'), 'json.zip')).toThrow(/not a readable zip archive/);
  });

  it('bounds what an archive may make us inflate', () => {
    const zip = zipSync({ 'rules/big.yml': new Uint8Array(100_000), 'rules/small.yml': text('x') });
    expect(() => readZip(zip, 'bomb.zip', { select: () => true, maxEntryBytes: 50_000 })).toThrow(/zip entry rules\/big\.yml would inflate to 100000 bytes/);
    expect(() => readZip(zip, 'bomb.zip', { select: () => true, maxTotalBytes: 50_000 })).toThrow(/would inflate to more than 50000 bytes/);
    expect(readZip(zip, 'ok.zip', { select: (n) => n.endsWith('small.yml'), maxEntryBytes: 50_000 })).toHaveLength(1);
  });
});
