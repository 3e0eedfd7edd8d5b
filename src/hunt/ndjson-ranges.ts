/**
 * The ranges of one NDJSON file as every thread of a threaded hunt sees them, and who takes which.
 *
 * Range k is nominally bytes k·chunk..(k+1)·chunk; each nominal edge is moved forward to just after
 * the newline that ends the line holding the byte before it. Any thread computes any range's bounds
 * from the file alone, so no thread hands ranges out: each takes the lowest range nobody took (an
 * atomic compare-and-exchange on the range's owner in shared memory) whenever it is free. The hunt
 * thread used to post every range to the workers itself, and it does so only between ranges of its
 * own: a worker that finished its queue while the hunt thread was busy waited, ~0.3 s per 200,000
 * events on a loaded machine. A line longer than a chunk makes the ranges that fall inside it empty.
 *
 * Memory: results are handed on in file order by the hunt thread, which stores how many it has
 * handed on; no thread takes a range more than {@link WINDOW} past that, so a fast worker cannot pile
 * up results while the hunt thread writes output.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Ranges a thread may take ahead of the first one not yet handed on. */
export const WINDOW = 32;

/** Owner and plan values: 0 nobody / anyone, 1 the hunt thread, 2 + w worker w. */
export const ANYONE = 0;
export const CALLER = 1;
export const workerOwner = (w: number): number => 2 + w;

/** {@link SharedRanges.claim}: nothing left to take. */
export const NONE = -1;
/** {@link SharedRanges.claim}: the next range is past the window; wait until more are handed on. */
export const WAIT = -2;

/** One file's ranges, as posted to every worker (the state is shared, not copied). */
export interface RangeShare {
  /** Id of range 0: ids are unique across files, so a late result never answers another file's range. */
  readonly base: number;
  readonly path: string;
  readonly size: number;
  readonly chunk: number;
  /** Lines longer than this many bytes are problems (LogFile.maxRecordBytes). */
  readonly cap: number;
  readonly count: number;
  /** Int32 [next free hint, handed on, closed], Int32 owner per range, Uint8 plan per range. */
  readonly state: SharedArrayBuffer;
}

/** One range's job: bytes start..end of the file, whole lines. */
export interface NdjsonJob {
  readonly id: number;
  readonly path: string;
  readonly start: number;
  readonly end: number;
  readonly cap: number;
}

const NEXT = 0;
const HANDED = 1;
const CLOSED = 2;
const HEADER = 3;

/** The ranges of a file of `size` bytes; `plan` (a test hook) fixes each range's owner. */
export function shareRanges(base: number, path: string, size: number, cap: number, chunk: number, plan?: (range: number) => number): RangeShare {
  const count = Math.ceil(size / chunk);
  const state = new SharedArrayBuffer(4 * (HEADER + count) + count);
  if (plan !== undefined) {
    const p = new Uint8Array(state, 4 * (HEADER + count), count);
    for (let k = 0; k < count; k++) p[k] = plan(k);
  }
  return { base, path, size, chunk, cap, count, state };
}

/** Read buffer for finding newlines (one per thread: each has its own module instance). */
const scratch = Buffer.allocUnsafe(64 * 1024);

/** Where the line holding byte `at - 1` ends (just after its newline), or the file's end; 0 for 0. */
export function lineBoundary(fd: number, at: number, size: number): number {
  if (at <= 0) return 0;
  let pos = at - 1;
  while (pos < size) {
    const n = readSync(fd, scratch, 0, Math.min(scratch.length, size - pos), pos);
    if (n === 0) return size;
    const nl = scratch.subarray(0, n).indexOf(10);
    if (nl >= 0) return pos + nl + 1;
    pos += n;
  }
  return size;
}

/** Atomics.waitAsync (Node 16+), which the TypeScript library this project targets does not declare. */
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string } }).waitAsync.bind(Atomics);

/** A thread's view of a {@link RangeShare}. */
export class SharedRanges {
  private readonly header: Int32Array;
  private readonly owners: Int32Array;
  private readonly plan: Uint8Array;
  readonly share: RangeShare;

  constructor(share: RangeShare) {
    this.share = share;
    this.header = new Int32Array(share.state, 0, HEADER);
    this.owners = new Int32Array(share.state, 4 * HEADER, share.count);
    this.plan = new Uint8Array(share.state, 4 * (HEADER + share.count), share.count);
  }

  /** Ranges handed on so far (read it before {@link claim}, to wait on it after a WAIT). */
  handed(): number {
    return Atomics.load(this.header, HANDED);
  }

  /**
   * Takes the lowest range that nobody took and that `me` may take (`may(plan)`: by the range's
   * plan value), within the window past `handed`: its index, {@link WAIT}, or {@link NONE}.
   */
  claim(me: number, handed: number, may: (plan: number) => boolean): number {
    if (Atomics.load(this.header, CLOSED) !== 0) return NONE;
    const { count } = this.share;
    for (let k = Atomics.load(this.header, NEXT); k < count; k++) {
      if (Atomics.load(this.owners, k) !== ANYONE || !may(this.plan[k]!)) continue;
      if (k >= handed + WINDOW) return WAIT;
      if (Atomics.compareExchange(this.owners, k, ANYONE, me) !== ANYONE) continue;
      // The hint moves only over taken ranges, one step at a time: it never passes a free one.
      for (let h = Atomics.load(this.header, NEXT); h < count && Atomics.load(this.owners, h) !== ANYONE; h = Atomics.load(this.header, NEXT)) Atomics.compareExchange(this.header, NEXT, h, h + 1);
      return k;
    }
    return NONE;
  }

  /** Who took range k (ANYONE: nobody yet). */
  owner(k: number): number {
    return Atomics.load(this.owners, k);
  }

  planOf(k: number): number {
    return this.plan[k]!;
  }

  /** Called by the hunt thread after handing on range `k`'s result: wakes threads waiting at the window. */
  setHanded(n: number): void {
    Atomics.store(this.header, HANDED, n);
    Atomics.notify(this.header, HANDED);
  }

  /** Resolves once `handed` changed from `seen` or the file was closed. */
  async waitHanded(seen: number): Promise<void> {
    const w = waitAsync(this.header, HANDED, seen);
    if (w.async) await w.value;
  }

  /** No range is taken any more (the hunt stopped reading this file). */
  close(): void {
    Atomics.store(this.header, CLOSED, 1);
    Atomics.notify(this.header, HANDED);
  }

  /** Range k's job (its bounds read from the file). */
  job(k: number): NdjsonJob {
    const { path, size, chunk, cap, base } = this.share;
    const fd = openSync(path, 'r');
    try {
      const start = lineBoundary(fd, k * chunk, size);
      const end = Math.max(start, lineBoundary(fd, Math.min(size, (k + 1) * chunk), size));
      return { id: base + k, path, start, end, cap };
    } finally {
      closeSync(fd);
    }
  }
}
