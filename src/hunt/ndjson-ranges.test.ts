/**
 * The ranges every thread of a threaded NDJSON hunt computes on its own: they must cover the file
 * exactly, in whole lines, whoever computes them; each is taken once, lowest first, within the
 * window, and only by whom its plan allows. In one thread: what is shared is plain memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANYONE, CALLER, NONE, shareRanges, SharedRanges, WAIT, WINDOW, workerOwner } from './ndjson-ranges.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-ndjson-ranges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): { path: string; size: number } {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return { path: p, size: Buffer.byteLength(text) };
}

/** The text of every range, in order, as computed from the file. */
function pieces(f: { path: string; size: number }, text: string, chunk: number): string[] {
  const ranges = new SharedRanges(shareRanges(0, f.path, f.size, 1 << 20, chunk));
  const out: string[] = [];
  let at = 0;
  for (let k = 0; k < ranges.share.count; k++) {
    const job = ranges.job(k);
    expect(job.start).toBe(at);
    at = job.end;
    out.push(Buffer.from(text).subarray(job.start, job.end).toString());
  }
  expect(at).toBe(f.size);
  return out;
}

describe('range bounds', () => {
  it('cover the file in whole lines, with a last line without newline, for every chunk size', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat((i * 7) % 23)}"}`);
    const text = lines.join('\n');
    const f = file('a.ndjson', text);
    for (let chunk = 1; chunk <= f.size + 3; chunk += 5) {
      const got = pieces(f, text, chunk);
      expect(got.join('')).toBe(text);
      // Every non-empty range but the last ends with a newline; none starts inside a line.
      const nonEmpty = got.filter((p) => p.length > 0);
      for (const p of nonEmpty.slice(0, -1)) expect(p.endsWith('\n')).toBe(true);
    }
  });

  it('a line longer than a chunk: the ranges inside it are empty, the line is in one range', () => {
    const text = `{"a":1}\n{"long":"${'y'.repeat(100)}"}\n{"b":2}\n`;
    const f = file('b.ndjson', text);
    const got = pieces(f, text, 16);
    expect(got.filter((p) => p.includes('long'))).toHaveLength(1);
    expect(got.filter((p) => p === '').length).toBeGreaterThan(3);
    expect(got.join('')).toBe(text);
  });

  it('a newline just before a nominal edge starts the range there', () => {
    const text = '{"a":1}\n{"b":2}\n'; // 8 + 8 bytes
    const f = file('c.ndjson', text);
    expect(pieces(f, text, 8)).toEqual(['{"a":1}\n', '{"b":2}\n']);
  });

  it('an empty file has no range', () => {
    const f = file('d.ndjson', '');
    expect(shareRanges(0, f.path, 0, 100, 8).count).toBe(0);
  });
});

describe('taking ranges', () => {
  const f = file('e.ndjson', '{}\n'.repeat(200));
  const any = (p: number): boolean => p === ANYONE;

  it('lowest free first, each once, by whoever asks', () => {
    const r = new SharedRanges(shareRanges(5, f.path, f.size, 100, 10));
    const a = new SharedRanges(r.share); // another thread's view of the same memory
    expect(r.claim(CALLER, 0, any)).toBe(0);
    expect(a.claim(workerOwner(0), 0, any)).toBe(1);
    expect(r.claim(CALLER, 0, any)).toBe(2);
    expect([r.owner(0), r.owner(1), r.owner(2), r.owner(3)]).toEqual([CALLER, workerOwner(0), CALLER, ANYONE]);
    expect(a.job(1).id).toBe(6);
  });

  it('not past the window of ranges handed on; NONE when all are taken or the file is closed', () => {
    const r = new SharedRanges(shareRanges(0, f.path, f.size, 100, 1));
    expect(r.share.count).toBeGreaterThan(WINDOW + 2);
    for (let k = 0; k < WINDOW; k++) expect(r.claim(CALLER, 0, any)).toBe(k);
    expect(r.claim(CALLER, 0, any)).toBe(WAIT);
    r.setHanded(1);
    expect(r.handed()).toBe(1);
    expect(r.claim(CALLER, r.handed(), any)).toBe(WINDOW);
    r.close();
    expect(r.claim(CALLER, r.share.count, any)).toBe(NONE);
    const small = new SharedRanges(shareRanges(0, f.path, f.size, 100, 400));
    expect(small.claim(CALLER, 0, any)).toBe(0);
    expect(small.claim(CALLER, 0, any)).toBe(1);
    expect(small.claim(CALLER, 0, any)).toBe(NONE);
  });

  it('a plan: each takes only what is planned for it (or anyone)', () => {
    const plan = (k: number): number => (k % 3 === 0 ? CALLER : k % 3 === 1 ? workerOwner(0) : ANYONE);
    const r = new SharedRanges(shareRanges(0, f.path, f.size, 100, 60, plan));
    const caller = (p: number): boolean => p === ANYONE || p === CALLER;
    const worker = (p: number): boolean => p === ANYONE || p === workerOwner(0);
    expect(r.claim(workerOwner(0), 0, worker)).toBe(1);
    expect(r.claim(workerOwner(0), 0, worker)).toBe(2);
    expect(r.claim(workerOwner(0), 0, worker)).toBe(4);
    expect(r.claim(CALLER, 0, caller)).toBe(0);
    expect(r.claim(CALLER, 0, caller)).toBe(3);
    expect(r.claim(CALLER, 0, caller)).toBe(5);
    expect(r.planOf(7)).toBe(workerOwner(0));
    // Taking over a dead worker's plan.
    expect(r.claim(CALLER, 0, () => true)).toBe(6);
    expect(r.claim(CALLER, 0, () => true)).toBe(7);
  });

  it('waiting at the window ends when a range is handed on, or the file closed', async () => {
    const r = new SharedRanges(shareRanges(0, f.path, f.size, 100, 1));
    const seen = r.handed();
    const waited = r.waitHanded(seen);
    r.setHanded(seen + 1);
    await waited;
    const again = r.waitHanded(r.handed());
    r.close();
    await again;
    expect(r.claim(CALLER, r.handed(), any)).toBe(NONE);
  });
});
