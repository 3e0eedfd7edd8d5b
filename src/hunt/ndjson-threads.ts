/**
 * Large plain NDJSON files on several threads. The file is cut into byte ranges of about
 * {@link CHUNK_BYTES}, each ending just after a newline (ndjson-ranges.ts); worker threads
 * (ndjson-worker.ts) and this thread each take the lowest free range whenever they are free, read
 * it, parse and test every line with the same compiled rules
 * (the collection of the hunt, compiled in each worker: engine indexes agree), and keep only the
 * matching lines (their text) and the lines that are not JSON. Results come back out of order and
 * are handed on in file order, with line numbers made absolute by counting the lines of the ranges
 * before; the hunt thread then does what must happen in order: filters, correlations, output. So a
 * threaded hunt gives byte for byte the output of one thread.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BatchOwner } from '../evtx/index.ts';
import type { Cnf, Detection, Engine, Pipeline, SigmaCollection } from '../sigma/index.ts';
import { eventContext } from '../sigma/index.ts';
import { ndjsonLine } from './inputs/ndjson.ts';
import { InventoryCollector, type InventoryEntry } from './inventory.ts';
import { ANYONE, CALLER, shareRanges, SharedRanges, workerOwner, type NdjsonJob, type RangeShare } from './ndjson-ranges.ts';
import type { RuleSource } from './rule-source.ts';

export type { NdjsonJob } from './ndjson-ranges.ts';

/** Bytes per range: ~1,400 events of the benchmark, tens of milliseconds of work. */
export const CHUNK_BYTES = 2 * 1024 * 1024;

export interface NdjsonMatchInit {
  readonly collection: SigmaCollection;
  readonly pipeline: Pipeline;
  readonly routing?: boolean;
  /** The collection's witnesses (collectionWitnesses), so that workers do not compute them again. */
  readonly witnesses?: readonly Cnf[];
  /** Also count every line's event into a log inventory (hunt/inventory.ts), sent back per range. */
  readonly inventory?: boolean;
}

/** One range's outcome; `rel` is the 1-based line within the range. */
export interface NdjsonChunkResult {
  readonly id: number;
  /** The range's end in the file (for progress). */
  readonly end: number;
  /** Lines in the range (newlines, and a last line without one at the end of the file). */
  readonly lines: number;
  readonly events: number;
  /** Events whose log source was not recognised (EventContext.source < 0). */
  readonly unknown: number;
  readonly matches: { readonly rel: number; readonly text: string; readonly rules: number[] }[];
  readonly problems: { readonly rel: number; readonly message: string }[];
  /** The range's log inventory, when asked for. */
  readonly inventory?: InventoryEntry[];
}

/** What a worker compiles the rules with, besides the rules. */
export type NdjsonInitRest = Omit<NdjsonMatchInit, 'collection' | 'witnesses'>;

/**
 * What the hunt thread posts to a worker: `init` once, then each file whose ranges it may take.
 * `init` carries the rules (the collection and its witnesses as JSON text, see {@link rulesText}),
 * or, when the worker was started with a {@link RuleSource}, the digest of the hunt thread's rules
 * and which of them the hunt keeps (`keep`: indexes into the loaded rules; all when absent): the
 * worker then compiles the rules it loaded itself if their digest is the same, else answers
 * {@link NdjsonWorkerNeed} and gets `rules`.
 */
export type NdjsonWorkerMessage =
  | { readonly kind: 'init'; readonly init: NdjsonInitRest; readonly rules?: string; readonly digest?: string; readonly keep?: readonly number[] }
  | { readonly kind: 'rules'; readonly rules: string }
  | { readonly kind: 'file'; readonly file: RangeShare };

/** A worker's answer to an `init` it cannot use: its own rules are not the hunt thread's (or it has none). */
export interface NdjsonWorkerNeed {
  readonly kind: 'need-rules';
}

type Doc = { readonly detection?: Detection };

/**
 * The init's collection and witnesses as JSON text. JSON.parse rebuilds the ~2,400 rules of
 * rules/windows in a third of the time structured cloning takes to deserialise them (50 against
 * 140 ms, measured in the worker; writing costs the same), and that time is spent before a worker
 * can take its first range. A parsed rule is plain data but for its detection's Map of
 * identifiers, sent as entries. JSON drops undefined members, which the compiler reads as absent
 * anyway: rules from the rule cache or the store have made the same JSON round trip.
 */
export function rulesText(init: NdjsonMatchInit): string {
  const plain = (d: Doc): unknown => (d.detection === undefined ? d : { ...d, detection: { ...d.detection, identifiers: [...d.detection.identifiers] } });
  const { rules, filters, correlations, issues } = init.collection;
  return JSON.stringify({ collection: { rules: rules.map(plain), filters: filters.map(plain), correlations, issues }, witnesses: init.witnesses });
}

/** {@link rulesText} read back, with the rest of the init. */
export function initFromText(text: string, rest: NdjsonInitRest): NdjsonMatchInit {
  const { collection, witnesses } = JSON.parse(text) as { collection: SigmaCollection; witnesses?: Cnf[] };
  for (const d of [...collection.rules, ...collection.filters] as { detection?: { identifiers: unknown } }[]) {
    if (d.detection !== undefined) d.detection.identifiers = new Map(d.detection.identifiers as [string, unknown][]);
  }
  return { ...rest, collection, ...(witnesses !== undefined ? { witnesses } : {}) };
}

/**
 * This thread's read buffer, reused from range to range (each thread has its own module state).
 * A fresh 2 MB buffer per range is fresh memory the kernel must map page by page as read(2) fills
 * it: reading the 299 MB benchmark file in 2 MB ranges took 92-175 ms of CPU that way, 49-53 ms
 * into one buffer. Nothing outlives a range's matching that points into it: matches keep their
 * line as a string.
 */
let scratch = Buffer.alloc(0);

/** Reads bytes start..end of a file into this thread's read buffer (valid until the next call). */
export function readRange(path: string, start: number, end: number): Buffer {
  if (scratch.length < end - start) scratch = Buffer.allocUnsafe(Math.max(end - start, CHUNK_BYTES + (CHUNK_BYTES >> 3)));
  const buf = scratch.subarray(0, end - start);
  if (buf.length === 0) return buf;
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Reads one range and tests its lines (matchNdjsonRange), in whichever thread took it. */
export function matchJob(job: NdjsonJob, engine: Engine, indexOf: ReadonlyMap<unknown, number>, inventory?: Pipeline): NdjsonChunkResult {
  return matchNdjsonRange(job.id, job.end, readRange(job.path, job.start, job.end), job.start === 0, engine, indexOf, job.path, job.cap, inventory);
}

/** Parses and tests every line of one range (bytes of whole lines; `firstOfFile`: it starts the file). */
export function matchNdjsonRange(id: number, end: number, buf: Buffer, firstOfFile: boolean, engine: Engine, indexOf: ReadonlyMap<unknown, number>, source: string, cap: number, inventory?: Pipeline): NdjsonChunkResult {
  const inv = inventory === undefined ? undefined : new InventoryCollector(inventory.sources);
  const matches: NdjsonChunkResult['matches'] = [];
  const problems: NdjsonChunkResult['problems'] = [];
  let rel = 0;
  let events = 0;
  let unknown = 0;
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(10, start);
    if (nl < 0) nl = buf.length;
    rel++;
    const got = ndjsonLine(buf, start, nl, firstOfFile && rel === 1, source, rel, cap);
    start = nl + 1;
    if (got === undefined) continue;
    const { item, text } = got;
    if (item.kind === 'problem') {
      problems.push({ rel, message: item.message });
      continue;
    }
    events++;
    const ctx = eventContext(item.event, item.json, item.jsonStart, item.jsonEnd);
    const matched = engine.matchContext(ctx);
    inv?.add(ctx);
    if (ctx.source < 0) unknown++;
    if (matched.length > 0) matches.push({ rel, text: text!, rules: matched.map((r) => indexOf.get(r)!) });
  }
  return { id, end, lines: rel, events, unknown, matches, problems, ...(inv === undefined ? {} : { inventory: inv.entries() }) };
}

/** The compiled worker next to this module, or undefined when running from the TypeScript sources. */
export function ndjsonWorkerScript(): string | undefined {
  if (!import.meta.url.endsWith('.js')) return undefined;
  const p = fileURLToPath(new URL('./ndjson-worker.js', import.meta.url));
  return existsSync(p) ? p : undefined;
}

interface Slot {
  readonly worker: Worker;
  dead: boolean;
}

/** What {@link NdjsonWorkers.init} needs: the rest of the init, and the rules' digest or the rules themselves. */
export interface NdjsonPoolInit {
  readonly rest: NdjsonInitRest;
  /** The digest of the hunt's rules as loaded (before the hunt's filters), when its loader gave one (rule-source.ts). */
  readonly digest?: string;
  /** Indexes of the loaded rules the hunt compiles, in order; absent: all. */
  readonly keep?: readonly number[];
  /** The full init, made only when a worker needs the rules sent. */
  readonly full: () => NdjsonMatchInit;
}

/**
 * Worker threads for NDJSON matching, started once per hunt and used for every large file. They
 * start before the rules are sent ({@link init}), so that starting a thread and loading its modules
 * overlap the hunt thread's loading and preparing of the rules. Started with a {@link RuleSource},
 * each loads the rules itself meanwhile (rule-source.ts) and needs only their digest; otherwise, or
 * when its rules are not the hunt thread's, it is sent them. Each then compiles the rules.
 */
export class NdjsonWorkers {
  private readonly slots: Slot[] = [];
  private readonly source: RuleSource | undefined;
  private rulesMessage: string | undefined;
  private full: (() => NdjsonMatchInit) | undefined;
  private readonly results = new Map<number, NdjsonChunkResult>();
  private wake: (() => void) | undefined;
  /** Range ids are unique across files: a result never answers another file's range. */
  private seq = 0;
  /** Results with a lower id were handed on (or belong to a file given up): late copies are dropped. */
  private floor = 0;
  private initialised = false;
  /** Workers that were sent the rules (as opposed to using those they loaded themselves): for tests and traces. */
  rulesSent = 0;

  /** Whether the workers load the rules themselves (started with a source): the hunt's loader should then give their digest. */
  get loadsRules(): boolean {
    return this.source !== undefined && this.slots.length > 0;
  }

  constructor(script: string, workers: number, source?: RuleSource) {
    this.source = source;
    for (let i = 0; i < workers; i++) {
      // No inherited execArgv: flags given to the parent (--input-type, loaders...) can stop a worker from starting.
      const worker = new Worker(script, { workerData: { owner: workerOwner(i), ...(source !== undefined ? { source } : {}) }, execArgv: [] });
      const slot: Slot = { worker, dead: false };
      worker.on('message', (r: NdjsonChunkResult | NdjsonWorkerNeed) => {
        if ('kind' in r) {
          // A worker whose own rules are not the hunt thread's (see init).
          worker.postMessage(this.sendRules());
          return;
        }
        if (r.id >= this.floor) this.results.set(r.id, r);
        this.notify();
      });
      // A worker that fails: its ranges are done on this thread (see match).
      const fail = (): void => {
        slot.dead = true;
        this.notify();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      this.slots.push(slot);
    }
  }

  /**
   * Tells every worker what to compile; before the first {@link match}. With a digest and workers
   * that load the rules themselves, the rules are sent only to a worker that asks (its rules were
   * not the same, or it could not load them).
   */
  init(o: NdjsonPoolInit): void {
    this.full = o.full;
    const own = this.source !== undefined && o.digest !== undefined;
    const message: NdjsonWorkerMessage = own ? { kind: 'init', init: o.rest, digest: o.digest, ...(o.keep !== undefined ? { keep: o.keep } : {}) } : { kind: 'init', init: o.rest, rules: this.rulesText() };
    for (const s of this.slots) {
      s.worker.postMessage(message);
      if (!own) this.rulesSent++;
    }
    this.initialised = true;
  }

  /** The rules as text, made once (the hunt thread's matchInit and JSON.stringify: ~0.1 s for rules/windows). */
  private rulesText(): string {
    this.rulesMessage ??= rulesText(this.full!());
    return this.rulesMessage;
  }

  /** The message for a worker that asks for the rules. */
  private sendRules(): NdjsonWorkerMessage {
    this.rulesSent++;
    return { kind: 'rules', rules: this.rulesText() };
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Whether a range of this plan value may be taken by this thread: its own, anyone's, or a dead worker's. */
  private mayTake = (plan: number): boolean => plan === ANYONE || plan === CALLER || this.slots[plan - workerOwner(0)]?.dead !== false;

  /**
   * The file's ranges' results in file order, with the lines before each. Every thread takes the
   * lowest free range whenever it is free (ndjson-ranges.ts); this one, between handing results on,
   * whenever the result it waits for is not there yet, and it tests its ranges with `local`.
   * `plan` (a test hook) fixes who takes each range: 'caller' or a worker's index (modulo the
   * workers); a range planned for a worker that died is done here.
   */
  async *match(path: string, size: number, cap: number, local: (job: NdjsonJob) => NdjsonChunkResult, plan?: (range: number) => BatchOwner): AsyncGenerator<{ result: NdjsonChunkResult; linesBefore: number; end: number }> {
    if (!this.initialised) throw new Error('NdjsonWorkers.match before init');
    const base = this.seq;
    const owner = plan === undefined ? undefined : (k: number): number => {
      const o = plan(k);
      return o === 'caller' ? CALLER : workerOwner(o % this.slots.length);
    };
    const share = shareRanges(base, path, size, cap, CHUNK_BYTES, owner);
    this.seq = base + share.count;
    this.floor = base;
    const ranges = new SharedRanges(share);
    const message: NdjsonWorkerMessage = { kind: 'file', file: share };
    for (const s of this.slots) if (!s.dead) s.worker.postMessage(message);
    const mine = new Map<number, NdjsonChunkResult>();
    let linesBefore = 0;
    try {
      for (let want = 0; want < share.count; ) {
        const got = mine.get(want) ?? this.results.get(base + want);
        if (got !== undefined) {
          mine.delete(want);
          this.results.delete(base + want);
          yield { result: got, linesBefore, end: got.end };
          linesBefore += got.lines;
          want++;
          this.floor = base + want;
          ranges.setHanded(want);
          continue;
        }
        // The range waited for is a dead worker's: do it here.
        const by = ranges.owner(want);
        if (by >= workerOwner(0) && this.slots[by - workerOwner(0)]!.dead) {
          mine.set(want, local(ranges.job(want)));
          continue;
        }
        // Otherwise take the lowest free range here (results are kept until their turn), then let
        // the workers' messages in; when none is free, wait for a worker.
        const k = ranges.claim(CALLER, want, this.mayTake);
        if (k >= 0) {
          mine.set(k, local(ranges.job(k)));
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        await new Promise<void>((r) => {
          this.wake = r;
        });
      }
    } finally {
      ranges.close();
      this.floor = this.seq;
    }
  }

  /** Ends the workers; a second call does nothing more (the CLI and runHunt may both call it). */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
