/**
 * Rows of large plain NDJSON files built on worker threads (load-worker.ts). This thread reads the
 * file in ranges of whole lines (about {@link RANGE_BYTES}), counts their lines (so every range
 * knows its first line number), and posts each range to a worker; the worker parses the lines and
 * writes their rows in RowBinary (rowsOfRange, the same function the single-thread path uses), and
 * the buffer comes back without a copy. Ranges are handed on in file order, so problems are
 * reported in order and the table's content is the single-thread load's.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ndjsonLine } from '../hunt/inputs/ndjson.ts';
import { RowBinaryWriter, writeEventRow } from '../sigma/backend/clickhouse/row.ts';

/** Bytes per range: ~5,000 realistic events. */
export const RANGE_BYTES = 8 * 1024 * 1024;

export interface RangeJob {
  readonly id: number;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The 1-based line number of the range's first line. */
  readonly firstLine: number;
  readonly source: string;
  readonly cap: number;
}

export interface RangeRows {
  readonly id: number;
  readonly rows: Uint8Array<ArrayBuffer>;
  readonly events: number;
  readonly problems: { readonly line: number; readonly message: string }[];
}

/** Every line of one range (whole lines) as RowBinary rows, and the lines that are problems. */
export function rowsOfRange(job: RangeJob): RangeRows {
  const buf = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
  const w = new RowBinaryWriter(Math.max(1 << 20, buf.length * 3), false);
  const problems: RangeRows['problems'] = [];
  let line = job.firstLine;
  let events = 0;
  for (let start = 0; start < buf.length; line++) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    const got = ndjsonLine(buf, start, nl, line === 1, job.source, line, job.cap);
    start = nl + 1;
    if (got === undefined) continue;
    if (got.item.kind === 'problem') {
      problems.push({ line, message: got.item.message });
      continue;
    }
    writeEventRow(w, got.item.event, job.source, line, buf, got.item.jsonStart, got.item.jsonEnd);
    events++;
  }
  return { id: job.id, rows: w.take(), events, problems };
}

/** The compiled worker next to this module, or undefined when running from the TypeScript sources. */
export function loadWorkerScript(): string | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const p = fileURLToPath(new URL('./load-worker.js', import.meta.url));
  return existsSync(p) ? p : undefined;
}

/** The ranges of a file: whole lines, in order, with the number of their first line. */
export function* fileRanges(path: string, source: string, cap: number, rangeBytes = RANGE_BYTES): Generator<Omit<RangeJob, 'id'> & { readonly end: number }> {
  const fd = openSync(path, 'r');
  try {
    let carry: Buffer = Buffer.alloc(0);
    let line = 1;
    let pos = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(carry.length + rangeBytes);
      carry.copy(chunk, 0);
      const n = readSync(fd, chunk, carry.length, chunk.length - carry.length, pos);
      pos += n;
      const filled = carry.length + n;
      if (filled === 0) return;
      // The range ends after its last newline; the rest starts the next one (all of it at the end).
      const last = n === 0 ? filled - 1 : chunk.lastIndexOf(10, filled - 1);
      if (last < 0) {
        // No newline in a whole range: one long line; keep reading (ndjsonLine caps it).
        carry = chunk.subarray(0, filled);
        continue;
      }
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, last + 1);
      let lines = 0;
      for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) lines++;
      if (bytes[bytes.length - 1] !== 10) lines++;
      carry = Buffer.from(chunk.subarray(last + 1, filled));
      yield { bytes: new Uint8Array(bytes), firstLine: line, source, cap, end: pos - carry.length };
      line += lines;
      if (n === 0 && carry.length === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** Worker threads building rows; `rows` yields each file's ranges' rows in file order. */
export class LoadWorkers {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve(r: RangeRows): void; reject(e: unknown): void }>();
  private seq = 0;
  private next = 0;

  constructor(script: string, count: number) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(script, { execArgv: [] });
      w.on('message', (r: RangeRows) => {
        const p = this.waiting.get(r.id);
        this.waiting.delete(r.id);
        p?.resolve(r);
      });
      const fail = (e: unknown): void => {
        for (const p of this.waiting.values()) p.reject(e instanceof Error ? e : new Error('a load worker thread stopped'));
        this.waiting.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0) fail(new Error(`a load worker thread exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  private post(job: Omit<RangeJob, 'id'>): Promise<RangeRows> {
    const id = this.seq++;
    const w = this.workers[this.next++ % this.workers.length] as Worker;
    return new Promise<RangeRows>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const msg: RangeJob = { id, bytes: job.bytes, firstLine: job.firstLine, source: job.source, cap: job.cap };
      w.postMessage(msg, [job.bytes.buffer]);
    });
  }

  /** The rows of the file's ranges, in order; `ahead` ranges are being built while one is handed on. */
  async *rows(path: string, source: string, cap: number, rangeBytes = RANGE_BYTES, ahead = this.workers.length * 2): AsyncGenerator<RangeRows & { readonly end: number }> {
    const queue: { got: Promise<RangeRows>; end: number }[] = [];
    const ranges = fileRanges(path, source, cap, rangeBytes);
    let done = false;
    const fill = (): void => {
      while (!done && queue.length < ahead) {
        const r = ranges.next();
        if (r.done === true) {
          done = true;
          return;
        }
        queue.push({ got: this.post(r.value), end: r.value.end });
      }
    };
    fill();
    while (queue.length > 0) {
      const head = queue.shift() as { got: Promise<RangeRows>; end: number };
      const r = await head.got;
      fill();
      yield { ...r, end: head.end };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
