/**
 * End to end, on the built code (run `npm run build` first, as for every e2e test): the `evtx dump`
 * command as a child process, and the worker-thread path of the library imported from dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.ts';
import { cliEntry, projectRoot } from '../helpers/paths.ts';
import type * as Evtx from '../../src/evtx/index.ts';
import { evtxWith, le } from './binxml-builder.ts';
import { fileHeader, multiChunkFile, sampleWithBadChunkMagic } from './fixtures.ts';
import { expectedRecords, normalize, regressionFiles } from './helpers.ts';

const distIndex = path.join(projectRoot, 'dist', 'evtx', 'index.js');
let dir = '';

beforeAll(() => {
  if (!existsSync(distIndex) || !existsSync(path.join(projectRoot, 'dist', 'evtx', 'threads', 'worker.js'))) {
    throw new Error('dist/evtx is missing: run `npm run build` before the e2e tests');
  }
  dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-evtx-e2e-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function tmpFile(name: string, bytes: Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

interface Line {
  recordId: number;
  timestamp: string;
  data: unknown;
}

describe('ttpgraph evtx dump', () => {
  it('prints one JSON line per record in the crate shape, plus record id and timestamp', async () => {
    const file = regressionFiles().find((f) => f.includes('findstr_security_keyword_lookup'))!;
    const r = await cliInProcess(['evtx', 'dump', file]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => l.data)).toEqual(expectedRecords(file));
    expect(lines.map((l) => l.recordId)).toEqual([1, 2, 3]);
    for (const l of lines) expect(l.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('gives the same records in the same order with 1 and 2 threads', async () => {
    const file = tmpFile('multi.evtx', multiChunkFile());
    const one = await cliInProcess(['evtx', 'dump', file, '--threads', '1']);
    const two = await cliInProcess(['evtx', 'dump', file, '--threads', '2']);
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(one.stdout.trimEnd().split('\n').length).toBeGreaterThanOrEqual(9);
  });

  it('writes XML records with --format xml', async () => {
    const file = regressionFiles()[0]!;
    const r = await cliInProcess(['evtx', 'dump', file, '--format', 'xml']);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('Record 1\n<?xml version="1.0" encoding="utf-8"?>\n<Event xmlns=')).toBe(true);
    expect(r.stdout.trimEnd().endsWith('</Event>')).toBe(true);
  });

  it('puts warnings on stderr (naming file, chunk, offset) and still prints the intact records', async () => {
    const file = tmpFile('bad-magic.evtx', sampleWithBadChunkMagic(1));
    const good = await cliInProcess(['evtx', 'dump', tmpFile('good.evtx', multiChunkFile())]);
    const r = await cliInProcess(['evtx', 'dump', file, '--threads', '2']);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([`ttpgraph: warning: ${file}: chunk 1, offset 0x11000 (69632): bad chunk magic: chunk skipped`]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(good.stdout.trimEnd().split('\n').length - 1);
  });

  it('stops quietly when the reader of its output goes away', () => {
    const many = multiChunkFile();
    const chunks = Array.from({ length: 60 }, (_, i) => many.subarray(4096 + (i % 6) * 65536, 4096 + ((i % 6) + 1) * 65536));
    const file = tmpFile('many.evtx', Buffer.concat([fileHeader(60), ...chunks]));
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${cliEntry}" evtx dump "${file}" --threads 2 | head -c 100 > /dev/null; echo "status=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('status=0');
  });

  it('fails with a non-zero exit code on an unreadable file', async () => {
    const r = await cliInProcess(['evtx', 'dump', path.join(dir, 'does-not-exist.evtx')]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^ttpgraph: error: .*does-not-exist\.evtx: no such file\n$/);
    expect(r.stdout).toBe('');
  });

  it('rejects a bad --threads value', async () => {
    const r = await cliInProcess(['evtx', 'dump', regressionFiles()[0]!, '--threads', 'zero']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--threads');
  });
});

describe('the built library in worker threads', () => {
  async function load(): Promise<typeof Evtx> {
    return (await import(pathToFileURL(distIndex).href)) as typeof Evtx;
  }

  async function collect(lib: typeof Evtx, bytes: Uint8Array, threads: number): Promise<Evtx.EvtxResult[]> {
    const out: Evtx.EvtxResult[] = [];
    for await (const r of lib.parseEvtx(bytes, { threads, source: 'm.evtx' })) out.push(r);
    return out;
  }

  it('parses chunks in workers and yields them in file order, equal to one thread', async () => {
    const lib = await load();
    const bytes = multiChunkFile();
    const [one, three] = [await collect(lib, bytes, 1), await collect(lib, bytes, 3)];
    expect(three).toEqual(one);
    const offsets = one.flatMap((r) => (r.ok ? [r.record.offset] : []));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(one.every((r) => r.ok)).toBe(true);
  });

  it('keeps 64-bit integers exact across threads', async () => {
    const lib = await load();
    const one = evtxWith({ template: { el: 'Event', children: [{ el: 'Big', children: [{ sub: 0, type: 0x0a }] }] }, values: [{ type: 0x0a, bytes: le(2n ** 64n - 2n, 8) }] });
    // four copies of the chunk, so that the file is large enough to go to the workers
    const chunk = one.subarray(4096);
    const bytes = Buffer.concat([fileHeader(4), chunk, chunk, chunk, chunk]);
    const r = await collect(lib, bytes, 2);
    expect(r.length).toBe(4);
    for (const x of r) expect(x.ok && x.record.data).toEqual({ Event: { Big: 18446744073709551614n } });
  });

  it('reads through a file handle reader and reports damage from workers', async () => {
    const lib = await load();
    const file = tmpFile('dmg.evtx', sampleWithBadChunkMagic(3));
    const { open } = await import('node:fs/promises');
    const fh = await open(file, 'r');
    try {
      const out: Evtx.EvtxResult[] = [];
      for await (const r of lib.parseEvtx(await lib.fileHandleReader(fh), { threads: 2, source: file })) out.push(r);
      const warnings = out.flatMap((r) => (r.ok ? [] : [r.warning]));
      expect(warnings.map((w) => [w.code, w.chunk])).toEqual([['bad-chunk-magic', 3]]);
      const expected = (await collect(lib, readFileSync(file), 1)).flatMap((r) => (r.ok ? [normalize(r.record.data)] : []));
      expect(out.flatMap((r) => (r.ok ? [normalize(r.record.data)] : []))).toEqual(expected);
    } finally {
      await fh.close();
    }
  });
});
